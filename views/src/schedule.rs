//! The series page's "On air and coming up": airing windows grouped per episode, with the
//! episode on now and the one next marked.

use chrono::NaiveDate;
use maud::{html, Markup};

use crate::catalog::ScheduleItem;
use crate::format::short_date;

/// Where an episode's airing stands today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AiringMark {
    OnNow,
    Next,
    Later,
}

/// One episode with its airing windows (soonest first), as the schedule panel lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpisodeAirings<'a> {
    pub number: i64,
    pub title: &'a str,
    pub windows: Vec<(NaiveDate, NaiveDate)>,
    pub mark: AiringMark,
}

/// Groups airing windows per episode, in order of their first window. An episode airing
/// today (start ≤ today ≤ end) is on now; of the rest, the one starting soonest is next.
pub fn group_airings(schedules: &[ScheduleItem], today: NaiveDate) -> Vec<EpisodeAirings<'_>> {
    let mut groups: Vec<EpisodeAirings> = Vec::new();
    for slot in schedules {
        let window = (slot.starts_on, slot.ends_on);
        match groups.iter_mut().find(|g| g.number == slot.episode_number) {
            Some(group) => group.windows.push(window),
            None => groups.push(EpisodeAirings {
                number: slot.episode_number,
                title: &slot.episode_title,
                windows: vec![window],
                mark: AiringMark::Later,
            }),
        }
    }
    for group in &mut groups {
        group.windows.sort();
        if group
            .windows
            .iter()
            .any(|(start, end)| *start <= today && today <= *end)
        {
            group.mark = AiringMark::OnNow;
        }
    }
    let next = groups
        .iter_mut()
        .filter(|g| g.mark != AiringMark::OnNow)
        .filter_map(|g| {
            let first = g.windows.iter().map(|w| w.0).find(|start| *start > today)?;
            Some((first, g))
        })
        .min_by_key(|(first, g)| (*first, g.number));
    if let Some((_, group)) = next {
        group.mark = AiringMark::Next;
    }
    groups
}

pub fn schedule_list(schedules: &[ScheduleItem], today: NaiveDate) -> Markup {
    html! {
        ol.schedule-list {
            @for group in group_airings(schedules, today) {
                li.schedule-episode.on-now[group.mark == AiringMark::OnNow].up-next[group.mark == AiringMark::Next] {
                    p.schedule-title {
                        span { "Episode " (group.number) ": " (group.title) }
                        @match group.mark {
                            AiringMark::OnNow => { " " span.badge.badge-live { "On now" } }
                            AiringMark::Next => { " " span.badge.badge-next { "Next" } }
                            AiringMark::Later => {}
                        }
                    }
                    ul.schedule-windows {
                        @for (start, end) in &group.windows {
                            li.muted {
                                time datetime=(start.to_string()) { (short_date(*start)) }
                                " – "
                                time datetime=(end.to_string()) { (short_date(*end)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(episode: i64, start: (u32, u32), end: (u32, u32)) -> ScheduleItem {
        let day = |(m, d): (u32, u32)| NaiveDate::from_ymd_opt(2026, m, d).expect("a date");
        ScheduleItem {
            episode_number: episode,
            episode_title: ["Ep ", &episode.to_string()].concat(),
            starts_on: day(start),
            ends_on: day(end),
        }
    }

    #[test]
    fn airings_group_per_episode_with_now_and_next() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).expect("a date");
        let slots = [
            slot(3, (11, 19), (12, 3)),
            slot(4, (12, 10), (12, 20)),
            slot(5, (12, 5), (12, 9)),
            slot(3, (12, 24), (12, 30)),
            slot(6, (12, 5), (12, 6)),
        ];
        let groups = group_airings(&slots, today);
        let marks: Vec<(i64, AiringMark, usize)> = groups
            .iter()
            .map(|g| (g.number, g.mark, g.windows.len()))
            .collect();
        assert_eq!(
            marks,
            [
                (3, AiringMark::OnNow, 2),
                (4, AiringMark::Later, 1),
                (5, AiringMark::Next, 1),
                (6, AiringMark::Later, 1),
            ],
            "ends are inclusive; the soonest start is next (lower episode on a tie)"
        );
    }
}
