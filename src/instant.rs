//! Times from input: parsed to UTC and moved by durations without overflow.
//!
//! Every instant a request carries (`wsu:Created`, `wsu:Expires`, an RST
//! `Lifetime`, SAML conditions and confirmation data) may sit at the edge of
//! what [`OffsetDateTime`] can hold (`9999-12-31T23:59:59-12:00` is year
//! 10000 in UTC). Such values are refused when parsed, or, where they are
//! shifted by a clock skew, a lifetime or a renewal window, the result
//! saturates at the first or last representable instant instead of
//! panicking. Comparisons against a saturated bound stay correct for every
//! instant a clock can report.

use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// An `xsd:dateTime` as the protocols use it (RFC 3339, offset required),
/// trimmed and converted to UTC; `None` when it does not parse or its UTC
/// form is not representable.
pub(crate) fn parse_utc(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .ok()?
        .checked_to_offset(UtcOffset::UTC)
}

/// `d` as a signed duration, saturating at [`time::Duration::MAX`].
pub(crate) fn span(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

/// `t + d`, saturating at the last representable instant.
pub(crate) fn later(t: OffsetDateTime, d: Duration) -> OffsetDateTime {
    t.saturating_add(span(d))
}

/// `t - d`, saturating at the first representable instant.
pub(crate) fn earlier(t: OffsetDateTime, d: Duration) -> OffsetDateTime {
    t.saturating_sub(span(d))
}

/// `t` in UTC, or `None` when that is not representable (never for a time
/// from [`parse_utc`] or a saturated one).
pub(crate) fn utc(t: OffsetDateTime) -> Option<OffsetDateTime> {
    t.checked_to_offset(UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn edges_saturate_instead_of_panicking() {
        let max = datetime!(9999-12-31 23:59:59.999_999_999 UTC);
        let min = datetime!(-9999-01-01 0:00 UTC);
        let skew = Duration::from_secs(300);
        assert_eq!(later(max, skew), max);
        assert_eq!(earlier(min, skew), min);
        assert_eq!(later(max, Duration::MAX), max);
        assert_eq!(earlier(datetime!(2027-01-15 12:00 UTC), Duration::MAX), min);
        let t = datetime!(2027-01-15 12:00 UTC);
        assert_eq!(later(t, skew), datetime!(2027-01-15 12:05 UTC));
        assert_eq!(earlier(t, skew), datetime!(2027-01-15 11:55 UTC));
        assert_eq!(span(Duration::MAX), time::Duration::MAX);
    }

    #[test]
    fn parse_refuses_what_utc_cannot_hold() {
        assert_eq!(
            parse_utc(" 2027-01-15T14:00:00+02:00 "),
            Some(datetime!(2027-01-15 12:00 UTC))
        );
        assert_eq!(parse_utc("9999-12-31T23:59:59-12:00"), None);
        assert_eq!(parse_utc("9999-12-31T23:59:59-00:01"), None);
        assert_eq!(
            parse_utc("9999-12-31T23:59:59Z"),
            Some(datetime!(9999-12-31 23:59:59 UTC))
        );
        assert!(parse_utc("0001-01-01T00:00:00+14:00").is_some());
        for bad in [
            "",
            "2027",
            "99999-01-01T00:00:00Z",
            "-0001-01-01T00:00:00Z",
            "2027-01-15T12:00:00",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }
}
