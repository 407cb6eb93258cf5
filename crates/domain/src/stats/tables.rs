//! The figures as tables of text: what the CSV downloads (page and API) are made of.

use super::{Figures, Headline, Row};

/// The names of the tables [`Figures::table`] gives.
pub const TABLES: [&str; 9] = [
    "headline",
    "periods",
    "heatmap",
    "by_day",
    "by_channel",
    "by_party",
    "by_lead",
    "agents",
    "guests",
];

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{:.4}", v)).unwrap_or_default()
}

fn volume_rows(rows: &[Row]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            vec![
                r.key.clone(),
                r.volume.reservations.to_string(),
                r.volume.covers.to_string(),
                r.volume.cancelled.to_string(),
                r.volume.no_shows.to_string(),
                num(r.cancellation_rate),
                num(r.no_show_rate),
            ]
        })
        .collect()
}

impl Figures {
    /// One of the [`TABLES`] as a header and rows of text (rates as fractions).
    pub fn table(&self, name: &str) -> Option<(Vec<&'static str>, Vec<Vec<String>>)> {
        let volume_header = vec![
            "key",
            "reservations",
            "covers",
            "cancelled",
            "no_shows",
            "cancellation_rate",
            "no_show_rate",
        ];
        Some(match name {
            "headline" => {
                let line = |label: &str, h: &Headline| {
                    vec![
                        label.to_string(),
                        h.volume.reservations.to_string(),
                        h.volume.covers.to_string(),
                        num(h.occupancy),
                        num(h.cancellation_rate),
                        num(h.no_show_rate),
                        h.calls.to_string(),
                        h.chats.to_string(),
                        h.new_guests.to_string(),
                        h.returning_guests.to_string(),
                    ]
                };
                (
                    vec![
                        "range",
                        "reservations",
                        "covers",
                        "occupancy",
                        "cancellation_rate",
                        "no_show_rate",
                        "calls",
                        "chats",
                        "new_guests",
                        "returning_guests",
                    ],
                    vec![
                        line(
                            &format!("{}..{}", self.range.from, self.range.to),
                            &self.headline,
                        ),
                        line(
                            &format!(
                                "{}..{}",
                                self.range.previous().from,
                                self.range.previous().to
                            ),
                            &self.before,
                        ),
                    ],
                )
            }
            "periods" => (
                vec![
                    "period",
                    "openings",
                    "covers",
                    "parties",
                    "capacity",
                    "occupancy",
                    "turns",
                ],
                self.periods
                    .iter()
                    .map(|p| {
                        vec![
                            p.name.clone(),
                            p.openings.to_string(),
                            p.covers.to_string(),
                            p.parties.to_string(),
                            p.capacity.to_string(),
                            num(p.occupancy),
                            num(p.turns),
                        ]
                    })
                    .collect(),
            ),
            "heatmap" => (
                vec!["weekday", "hour", "occupancy"],
                self.heatmap
                    .iter()
                    .enumerate()
                    .flat_map(|(w, hours)| {
                        hours.iter().enumerate().map(move |(h, v)| {
                            vec![(w + 1).to_string(), h.to_string(), num(Some(*v))]
                        })
                    })
                    .collect(),
            ),
            "by_day" => (volume_header, volume_rows(&self.by_day)),
            "by_channel" => (volume_header, volume_rows(&self.by_channel)),
            "by_party" => (volume_header, volume_rows(&self.by_party)),
            "by_lead" => (volume_header, volume_rows(&self.by_lead)),
            "agents" => (
                vec!["agent", "outcome", "count"],
                std::iter::once(("phone", &self.calls))
                    .chain(self.chats_by_channel.iter().map(|(c, o)| (c.as_str(), o)))
                    .flat_map(|(agent, o)| {
                        o.by_outcome
                            .iter()
                            .map(move |(k, n)| vec![agent.to_string(), k.clone(), n.to_string()])
                    })
                    .collect(),
            ),
            "guests" => (
                vec!["new", "returning", "visits_without_card"],
                vec![vec![
                    self.guests.new.to_string(),
                    self.guests.returning.to_string(),
                    self.guests.unknown_visits.to_string(),
                ]],
            ),
            _ => return None,
        })
    }

    /// A table as CSV.
    pub fn csv(&self, name: &str) -> Option<String> {
        let (header, rows) = self.table(name)?;
        Some(crate::csv::table(&header, rows.into_iter()))
    }
}
