//! A prefilter for the catalog's title search, so a search does not scan every title with
//! `LIKE '%term%'` (a full scan: several milliseconds at 10,000 series).
//!
//! The database's `LIKE` stays the definition of a match: this index only narrows the rows the
//! query looks at (`series.id IN (candidates) AND title LIKE …`), and it never drops a title the
//! database would match. That holds on both backends because the index is deliberately loose:
//! - printable ASCII in a title is compared without ASCII case, which is exactly how SQLite's
//!   `LIKE` compares ASCII and how MariaDB's `utf8mb4_unicode_ci` compares printable ASCII
//!   (every other pair of printable ASCII characters differs there: checked for all pairs);
//! - every other character of a title (accented letters, ligatures, combining marks, control
//!   characters) may stand for any one character of the search text, or for none: `LIKE`
//!   compares character by character on both backends (MariaDB's `é` = `e`; `ß` is not `ss`
//!   there), and an ignorable character that a collation skipped would be covered too;
//! - a search text that is not plain printable ASCII is not prefiltered at all.
//!
//! The index is rebuilt from `SELECT id, title FROM series` (a few milliseconds at scale 10)
//! by the page cache, as often as cached pages expire, so it is as fresh as they are.

use memchr::memmem;
use sea_query::{Order, Query};

use crate::db::schema::Series;
use crate::db::Db;
use crate::error::Result;

/// Every series title, folded for the prefilter.
#[derive(Debug, Default)]
pub struct TitleIndex {
    /// Lower-cased titles made only of printable ASCII, each followed by `\n` (which no search
    /// text contains, so a match never spans two titles).
    haystack: Vec<u8>,
    /// Where each of those titles starts in `haystack`, ascending, with its series id.
    starts: Vec<(usize, i64)>,
    /// Titles with any other character, one after the other: lower-cased printable ASCII,
    /// and [`ANY`] for every other character.
    loose_bytes: Vec<u8>,
    /// Where each of those titles ends in `loose_bytes`, with its series id.
    loose: Vec<(usize, i64)>,
}

/// Stands for a character other than printable ASCII: it matches one character of the search
/// text, or none. (No printable byte is 0.)
const ANY: u8 = 0;

#[derive(sqlx::FromRow)]
struct TitleRow {
    id: i64,
    title: String,
}

impl TitleIndex {
    pub async fn load(db: &Db) -> Result<TitleIndex> {
        let query = Query::select()
            .columns([Series::Id, Series::Title])
            .from(Series::Table)
            .order_by(Series::Id, Order::Asc)
            .to_owned();
        let rows: Vec<TitleRow> = db.fetch_all(&query).await?;
        Ok(Self::build(rows.into_iter().map(|r| (r.id, r.title))))
    }

    pub fn build(titles: impl IntoIterator<Item = (i64, String)>) -> TitleIndex {
        let mut index = TitleIndex::default();
        for (id, title) in titles {
            let folded: Vec<u8> = title
                .chars()
                .map(|c| match u8::try_from(c) {
                    Ok(byte) if is_plain(byte) => byte.to_ascii_lowercase(),
                    _ => ANY,
                })
                .collect();
            if folded.contains(&ANY) {
                index.loose_bytes.extend_from_slice(&folded);
                index.loose.push((index.loose_bytes.len(), id));
            } else {
                index.starts.push((index.haystack.len(), id));
                index.haystack.extend_from_slice(&folded);
                index.haystack.push(b'\n');
            }
        }
        index
    }

    pub fn len(&self) -> usize {
        self.starts.len() + self.loose.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ids of every series whose title may contain `text` (a superset of what `LIKE`
    /// matches), ascending; `None` when the index cannot narrow the search: `text` is empty or
    /// not plain printable ASCII, or more than `limit` titles qualify (a scan is as good then).
    pub fn candidates(&self, text: &str, limit: usize) -> Option<Vec<i64>> {
        let needle: Vec<u8> = text.bytes().map(|b| b.to_ascii_lowercase()).collect();
        if needle.is_empty() || needle.len() > 100 || !needle.iter().all(|&b| is_plain(b)) {
            return None;
        }
        let mut ids = Vec::new();
        let mut next_start = 0;
        for at in memmem::find_iter(&self.haystack, &needle) {
            // Only the first match in each title counts.
            if at < next_start {
                continue;
            }
            let title = self.starts.partition_point(|(start, _)| *start <= at) - 1;
            ids.push(self.starts[title].1);
            next_start = self
                .starts
                .get(title + 1)
                .map_or(usize::MAX, |(start, _)| *start);
            if ids.len() > limit {
                return None;
            }
        }
        if !self.loose.is_empty() {
            let matcher = ShiftAnd::new(&needle)?;
            let mut start = 0;
            for &(end, id) in &self.loose {
                if matcher.may_match(&self.loose_bytes[start..end]) {
                    ids.push(id);
                    if ids.len() > limit {
                        return None;
                    }
                }
                start = end;
            }
        }
        ids.sort_unstable();
        Some(ids)
    }
}

/// Printable ASCII: space to tilde.
fn is_plain(byte: u8) -> bool {
    (0x20..=0x7e).contains(&byte)
}

/// Whether some run of a title's bytes can spell the needle: the Shift-And algorithm, with
/// bit `k` of the state set when the needle's first `k` bytes end right before the current
/// byte (a needle has at most 100 bytes, so 128 bits hold every state).
struct ShiftAnd {
    /// Per byte, the needle positions holding it (bit k: needle[k] == byte).
    positions: [u128; 128],
    /// The bit reached when the whole needle has been spelt.
    full: u128,
}

impl ShiftAnd {
    fn new(needle: &[u8]) -> Option<ShiftAnd> {
        if needle.len() >= 127 {
            return None;
        }
        let mut positions = [0u128; 128];
        for (k, &byte) in needle.iter().enumerate() {
            positions[usize::from(byte & 0x7f)] |= 1 << k;
        }
        Some(ShiftAnd {
            positions,
            full: 1 << needle.len(),
        })
    }

    fn may_match(&self, title: &[u8]) -> bool {
        let mut reached: u128 = 1;
        for &byte in title {
            let next = if byte == ANY {
                // One needle byte, or none.
                reached | (reached << 1)
            } else {
                (reached & self.positions[usize::from(byte & 0x7f)]) << 1
            };
            if next & self.full != 0 {
                return true;
            }
            // A match may start at any token.
            reached = next | 1;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(titles: &[&str]) -> TitleIndex {
        TitleIndex::build(
            titles
                .iter()
                .enumerate()
                .map(|(i, t)| (i as i64 + 1, (*t).to_owned())),
        )
    }

    #[test]
    fn ascii_titles_match_without_case() {
        let idx = index(&[
            "The Silent Harbour",
            "harbour lights",
            "Mile Zero",
            "50% Off",
        ]);
        assert_eq!(idx.candidates("HARBOUR", 10), Some(vec![1, 2]));
        assert_eq!(idx.candidates("bour l", 10), Some(vec![2]));
        assert_eq!(idx.candidates("50%", 10), Some(vec![4]));
        assert_eq!(idx.candidates("nothing", 10), Some(vec![]));
        // One match per title, even when the text occurs twice in it.
        assert_eq!(index(&["aaaa"]).candidates("a", 10), Some(vec![1]));
        // Never across two titles.
        assert_eq!(idx.candidates("lightsmile", 10), Some(vec![]));
    }

    #[test]
    fn other_characters_may_stand_for_anything() {
        let idx = index(&[
            "Château of Zürich",
            "Café",
            "Straße",
            "Cafe\u{301} bar",
            "plain",
        ]);
        assert_eq!(idx.candidates("chateau", 10), Some(vec![1]));
        assert_eq!(idx.candidates("zurich", 10), Some(vec![1]));
        assert_eq!(idx.candidates("cafe", 10), Some(vec![2, 4]));
        assert_eq!(idx.candidates("strae", 10), Some(vec![3]), "ß skipped");
        assert_eq!(
            idx.candidates("strase", 10),
            Some(vec![3]),
            "ß as one letter"
        );
        assert_eq!(idx.candidates("e bar", 10), Some(vec![4]));
        assert_eq!(idx.candidates("xyz", 10), Some(vec![]));
    }

    #[test]
    fn declines_what_it_cannot_narrow() {
        let idx = index(&["a", "ab", "abc"]);
        assert_eq!(idx.candidates("é", 10), None, "not plain ASCII");
        assert_eq!(idx.candidates("", 10), None);
        assert_eq!(idx.candidates(&"a".repeat(101), 10), None, "too long");
        assert_eq!(idx.candidates("a", 2), None, "more than the limit");
        assert_eq!(idx.candidates("a", 3), Some(vec![1, 2, 3]));
    }
}
