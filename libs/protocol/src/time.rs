//! Time on the wire is Asia/Shanghai. China has kept UTC+8 without daylight
//! saving since 1991, so a fixed +08:00 offset is exact for every date a
//! guarantee can carry, and we need no time-zone database.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub const SHANGHAI_SECONDS: i32 = 8 * 3600;

const SHANGHAI: FixedOffset = match FixedOffset::east_opt(SHANGHAI_SECONDS) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

pub fn shanghai() -> FixedOffset {
    SHANGHAI
}

pub fn now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&shanghai())
}

/// The three timestamp shapes the specs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `yyyy-MM-dd HH:mm:ss` (Fujian everywhere, ELY times)
    Dashed,
    /// `yyyyMMddHHmmss` (ELY reqtime)
    Compact,
}

impl Shape {
    fn pattern(self) -> &'static str {
        match self {
            Shape::Dashed => "%Y-%m-%d %H:%M:%S",
            Shape::Compact => "%Y%m%d%H%M%S",
        }
    }

    /// Exact length check first: chrono would accept `2024-3-1 9:30:00`.
    pub fn parse(self, text: &str) -> Option<DateTime<FixedOffset>> {
        let expected = if self == Shape::Dashed { 19 } else { 14 };
        if text.len() != expected {
            return None;
        }
        let naive = NaiveDateTime::parse_from_str(text, self.pattern()).ok()?;
        shanghai().from_local_datetime(&naive).single()
    }

    pub fn format(self, t: &DateTime<FixedOffset>) -> String {
        t.with_timezone(&shanghai())
            .format(self.pattern())
            .to_string()
    }
}

/// `yyyyMMdd` (ELY) or `yyyy-MM-dd` (ELY104 certificate dates).
pub fn parse_date(text: &str, dashed: bool) -> Option<NaiveDate> {
    let (len, pattern) = if dashed {
        (10, "%Y-%m-%d")
    } else {
        (8, "%Y%m%d")
    };
    if text.len() != len {
        return None;
    }
    NaiveDate::parse_from_str(text, pattern).ok()
}

/// Whether `t` lies within `window_secs` of `now`, either side.
pub fn within_window(
    t: &DateTime<FixedOffset>,
    now: &DateTime<FixedOffset>,
    window_secs: i64,
) -> bool {
    (*t - *now).num_seconds().abs() <= window_secs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_round_trip_in_shanghai_time() {
        let t = Shape::Dashed.parse("2024-03-01 09:30:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2024-03-01T09:30:00+08:00");
        assert_eq!(Shape::Compact.format(&t), "20240301093000");
        assert_eq!(Shape::Compact.parse("20240301093000"), Some(t));
    }

    #[test]
    fn loose_or_impossible_times_are_refused() {
        for bad in [
            "2024-3-1 9:30:00",
            "2024-02-30 00:00:00",
            "2024-03-01T09:30:00",
            "2024-03-01 09:30",
        ] {
            assert!(Shape::Dashed.parse(bad).is_none(), "{bad}");
        }
        assert!(parse_date("20240230", false).is_none());
        assert!(parse_date("2024-02-29", true).is_some());
    }
}
