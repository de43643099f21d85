//! Table and column names for sea-query. Every identifier in a statement comes from here.

use sea_query::Iden;

#[derive(Iden, Clone, Copy)]
pub enum Countries {
    Table,
    Id,
    Name,
    Region,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum Languages {
    Table,
    Id,
    Name,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum Genres {
    Table,
    Id,
    Name,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum ProductionHouses {
    Table,
    Id,
    Name,
    Street,
    City,
    State,
    PostalCode,
    Country,
    YearEstablished,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum Producers {
    Table,
    Id,
    FirstName,
    MiddleName,
    LastName,
    Street,
    City,
    State,
    PostalCode,
    Country,
    Phone,
    Email,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum ProducerAlliances {
    Table,
    Id,
    ProducerId,
    ProductionHouseId,
    StartedOn,
    EndedOn,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum Series {
    Table,
    Id,
    Title,
    PlannedEpisodes,
    LanguageId,
    ReleaseDate,
    OriginCountryId,
    ProductionHouseId,
    PosterUrl,
    TrailerUrl,
    Version,
    PosterKey,
}

#[derive(Iden, Clone, Copy)]
pub enum SeriesGenres {
    Table,
    SeriesId,
    GenreId,
}

#[derive(Iden, Clone, Copy)]
pub enum SeriesSubtitles {
    Table,
    SeriesId,
    LanguageId,
}

#[derive(Iden, Clone, Copy)]
pub enum SeriesDubbings {
    Table,
    SeriesId,
    LanguageId,
}

#[derive(Iden, Clone, Copy)]
pub enum SeriesReleases {
    Table,
    SeriesId,
    CountryId,
    ReleasedOn,
}

#[derive(Iden, Clone, Copy)]
pub enum Episodes {
    Table,
    Id,
    SeriesId,
    Number,
    Title,
    TotalViewers,
    TechInterrupt,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum Schedules {
    Table,
    Id,
    EpisodeId,
    StartsOn,
    EndsOn,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum Contracts {
    Table,
    Id,
    SeriesId,
    PerEpisodeChargeCents,
    StartsOn,
    EndsOn,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum Accounts {
    Table,
    Id,
    Username,
    Email,
    PasswordHash,
    Role,
    FirstName,
    LastName,
    CountryId,
    MonthlySubscriptionCents,
    CreatedAt,
    Disabled,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum Feedback {
    Table,
    SeriesId,
    AccountId,
    Rating,
    Body,
    RecordedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Sessions {
    Table,
    Id,
    TokenHash,
    AccountId,
    CreatedAt,
    LastSeenAt,
    PasswordAt,
    SecondFactorPending,
}

#[derive(Iden, Clone, Copy)]
pub enum LoginLockouts {
    Table,
    Id,
    KeyHash,
    Failures,
    LastFailureAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AccountTotp {
    Table,
    Id,
    AccountId,
    SecretEncrypted,
    ConfirmedAt,
    LastStep,
}

#[derive(Iden, Clone, Copy)]
pub enum RecoveryCodes {
    Table,
    Id,
    AccountId,
    CodeHash,
    UsedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum PasswordResetTokens {
    Table,
    Id,
    AccountId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AuditLog {
    Table,
    Id,
    AccountId,
    Action,
    Entity,
    EntityId,
    Detail,
    RecordedAt,
    RowVersion,
}

#[derive(Iden, Clone, Copy)]
pub enum AppSecrets {
    Table,
    Name,
    Value,
}

/// apalis-sql's queue table (`Jobs` on SQLite, `jobs` on MySQL; SQLite ignores the case).
#[derive(Iden, Clone, Copy)]
pub enum Jobs {
    Table,
    Id,
    JobType,
    Status,
    Attempts,
    LastError,
    DoneAt,
    /// The serialized payload (tests check what a job carries).
    Job,
    /// apalis retries a `Failed` job while `attempts < max_attempts`.
    MaxAttempts,
    /// When the job may run (next): pushes set it to now, a failed attempt to now + backoff.
    RunAt,
    LockAt,
    /// The worker running it (`Running`); `NULL` while it waits, so any live worker may take it.
    LockBy,
    Priority,
}

/// apalis-sql's worker table (`Workers` on SQLite): one row per worker, `last_seen` its heartbeat.
#[derive(Iden, Clone, Copy)]
pub enum Workers {
    Table,
    Id,
    WorkerType,
    StorageName,
    Layers,
    LastSeen,
}

/// SQL functions called by name: the database's clock, in the queue tables' formats (Unix
/// seconds on SQLite, DATETIME on MySQL), so processes on several hosts share one clock.
#[derive(Iden, Clone, Copy)]
pub enum SqlFunction {
    #[iden = "unixepoch"]
    UnixEpoch,
    #[iden = "UNIX_TIMESTAMP"]
    UnixTimestamp,
    #[iden = "FROM_UNIXTIME"]
    FromUnixtime,
    /// MariaDB: a string's collation weights (equal exactly when the collation says equal).
    #[iden = "WEIGHT_STRING"]
    WeightString,
    /// Window functions of the analytics queries (`analytics::queries`); same name on both.
    #[iden = "RANK"]
    Rank,
    #[iden = "PERCENT_RANK"]
    PercentRank,
    /// A piece of a text (or of a date, as MariaDB writes it: `YYYY-MM-DD`); same on both.
    #[iden = "SUBSTR"]
    Substr,
}

/// Column aliases used by computed expressions.
#[derive(Iden, Clone, Copy)]
pub enum Computed {
    #[iden = "n"]
    Count,
    One,
    AvgRating,
    Ratings,
    TotalViewers,
    GenreNames,
    ProductionHouse,
    Language,
    OriginCountry,
    #[iden = "DOUBLE"]
    Double,
    #[iden = "SIGNED"]
    Signed,
    #[iden = "CHAR"]
    Char,
    Folded,
    /// The catalog's page of ids (a derived table).
    PageIds,
}

/// Per-series figures kept current by every write (see `catalog::stats`).
#[derive(Iden, Clone, Copy)]
pub enum SeriesStats {
    Table,
    SeriesId,
    Ratings,
    RatingSum,
    #[iden = "rating_1"]
    Rating1,
    #[iden = "rating_2"]
    Rating2,
    #[iden = "rating_3"]
    Rating3,
    #[iden = "rating_4"]
    Rating4,
    #[iden = "rating_5"]
    Rating5,
    AvgRating,
    TotalViewers,
    Episodes,
}

impl SeriesStats {
    /// The distribution column counting ratings of `stars` (1–5).
    pub fn bucket(stars: i64) -> Option<SeriesStats> {
        match stars {
            1 => Some(SeriesStats::Rating1),
            2 => Some(SeriesStats::Rating2),
            3 => Some(SeriesStats::Rating3),
            4 => Some(SeriesStats::Rating4),
            5 => Some(SeriesStats::Rating5),
            _ => None,
        }
    }
}

/// The series page's read model (see `series_pages`): one JSON document per series.
#[derive(Iden, Clone, Copy)]
pub enum SeriesPages {
    Table,
    SeriesId,
    Body,
    Reviews,
}

/// The indexes each catalog sort walks (`catalog::page_ids`), named in MariaDB index hints
/// (SQLite's query builder leaves hints out).
#[derive(Iden, Clone, Copy)]
pub enum CatalogIndex {
    #[iden = "series_by_title"]
    SeriesByTitle,
    #[iden = "series_by_release_date"]
    SeriesByReleaseDate,
    #[iden = "series_stats_by_rating"]
    SeriesStatsByRating,
    #[iden = "series_stats_by_viewers"]
    SeriesStatsByViewers,
}

/// How many series there are, kept by triggers on `series` (one row, `id` = 1).
#[derive(Iden, Clone, Copy)]
pub enum CatalogTotals {
    Table,
    Id,
    SeriesCount,
}

/// Column aliases of the series page's queries (`catalog::series_page`).
#[derive(Iden, Clone, Copy)]
pub enum SeriesPageAlias {
    Kind,
    Country,
    EpisodeNumber,
    EpisodeTitle,
}

/// Column aliases of the staff tables' queries (see `admin::crud`).
#[derive(Iden, Clone, Copy)]
pub enum AdminAlias {
    Id,
    /// How a row of one entity is named where another refers to it.
    Label,
    /// The row a referenced row refers to (a contract's series' production house).
    TargetId,
}

/// Materialized analytics results (one row per query or dataset), written by the refresh.
#[derive(Iden, Clone, Copy)]
pub enum AnalyticsSnapshots {
    Table,
    QueryName,
    Body,
    RefreshedAt,
}

/// CSV imports waiting for their confirmation (`admin::import`).
#[derive(Iden, Clone, Copy)]
pub enum Imports {
    Table,
    Id,
    Entity,
    AccountId,
    CreatedAt,
    Plan,
    Total,
}

/// A previewed import's plan, in chunks of rows (`admin::import`).
#[derive(Iden, Clone, Copy)]
pub enum ImportChunks {
    Table,
    ImportId,
    Seq,
    Plan,
}

/// Large imports applied by a job: state and progress (`admin::import::runs`).
#[derive(Iden, Clone, Copy)]
pub enum ImportRuns {
    Table,
    ImportId,
    Entity,
    AccountId,
    Total,
    Done,
    State,
    Message,
    CancelRequested,
    Created,
    Updated,
    UpdatedAt,
}

/// Who has which staff-table row open for editing (`admin::presence`).
#[derive(Iden, Clone, Copy)]
pub enum EditPresence {
    Table,
    SessionId,
    Entity,
    RowId,
    AccountId,
    SeenAt,
}

/// What a staff delete removed, kept a short while for its Undo (`admin::crud::undo`).
#[derive(Iden, Clone, Copy)]
pub enum UndoSnapshots {
    Table,
    Id,
    AccountId,
    Entity,
    EntityId,
    Label,
    Payload,
    CreatedAt,
}

/// MariaDB only: who may run the migrations now (`db::migration_lease`). Created before the
/// migrations, outside them, because it guards them.
#[derive(Iden, Clone, Copy)]
pub enum MigrationLease {
    #[iden = "_streamvault_migration_lease"]
    Table,
    Id,
    Holder,
    /// Unix seconds, by the database's clock.
    Until,
}

/// The analytics refresh's one row: its lease and its "as of" (see `analytics::snapshot`).
#[derive(Iden, Clone, Copy)]
pub enum AnalyticsRefresh {
    Table,
    Id,
    RequestedAt,
    ComputedAt,
    LeaseOwner,
    LeaseUntil,
}

/// The series performance report, materialized by the analytics refresh.
#[derive(Iden, Clone, Copy)]
pub enum ReportSeriesPerformance {
    Table,
    SeriesId,
    Title,
    ProductionHouse,
    Language,
    OriginCountry,
    PlannedEpisodes,
    ActualEpisodes,
    TotalViewers,
    AvgRating,
    Ratings,
}

/// The viewer engagement report, materialized by the analytics refresh.
#[derive(Iden, Clone, Copy)]
pub enum ReportViewerEngagement {
    Table,
    AccountId,
    Username,
    Country,
    JoinedAt,
    Reviews,
    AvgRatingGiven,
    LastReviewAt,
}

/// Names of the analytics queries' common table expressions, derived tables and computed
/// columns (`analytics::queries`).
#[derive(Iden, Clone, Copy)]
pub enum AnalyticsAlias {
    /// CTE: every series' id, title and total viewers (0 without episodes).
    SeriesViewers,
    /// Derived table: the sum of `episodes.total_viewers` per series, on its own.
    EpisodeTotals,
    /// CTE: each rated series' number and sum of ratings.
    SeriesRatings,
    /// Derived table: the number and sum of all ratings on the platform.
    Platform,
    /// CTE: rated series with their viewers and exact rating figures.
    Rated,
    /// CTE: `rated` with both percentile ranks.
    Ranked,
    /// CTEs of the rankings query.
    ViewerRanks,
    RatingRanks,
    /// CTE: each country with the most total viewers of any series available there.
    CountryBest,
    /// Second references to a table or CTE inside a correlated subquery.
    Available,
    Best,
    SeriesId,
    Title,
    TotalViewers,
    Ratings,
    RatingSum,
    /// A series' average rating as a double, used only to order rows inside SQL.
    Average,
    PlatformRatings,
    PlatformSum,
    ProductionHouse,
    Country,
    CountryId,
    ViewerPercentile,
    RatingPercentile,
    /// Which part of a UNION a row came from (mapped to its label in Rust).
    Kind,
    RankNo,
    Value,
}
