//! Dates written on every session read and cookie: `Date.toISOString()` for a
//! session's `expires` and the HTTP date of a cookie's `Expires`, from unix seconds by
//! integer arithmetic (no calendar library on the hot path).

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years four digits can write.
const RANGE: std::ops::RangeInclusive<i64> = -62_167_219_200..=253_402_300_799;

/// A UTC time split into its calendar fields.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    secs: i64,
    /// 0 = Sunday.
    weekday: i64,
}

/// The civil-from-days conversion: 400-year eras of 146,097 days, years starting in
/// March so the leap day comes last. `unix` must be in [`RANGE`].
fn civil(unix: i64) -> Civil {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Days since 0000-03-01, then the era, the day of the era and the year of the era.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    Civil {
        year: yoe + era * 400 + i64::from(month <= 2),
        month,
        day,
        secs,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7),
    }
}

/// Writes `value` as `width` digits at `at` (`value` is in `0..10^width`).
fn digits(out: &mut [u8], at: usize, value: i64, width: usize) {
    let mut value = value;
    for place in (at..at + width).rev() {
        out[place] = b'0' + u8::try_from(value % 10).unwrap_or(0);
        value /= 10;
    }
}

/// `expires` as JavaScript's `Date.toISOString()` writes it (`2026-12-24T10:00:00.000Z`).
/// Times outside years 0000-9999 are written as the epoch.
pub(crate) fn iso(unix: i64) -> String {
    let c = civil(if RANGE.contains(&unix) { unix } else { 0 });
    let mut out = *b"0000-00-00T00:00:00.000Z";
    digits(&mut out, 0, c.year, 4);
    digits(&mut out, 5, c.month, 2);
    digits(&mut out, 8, c.day, 2);
    digits(&mut out, 11, c.secs / 3_600, 2);
    digits(&mut out, 14, c.secs / 60 % 60, 2);
    digits(&mut out, 17, c.secs % 60, 2);
    String::from_utf8(out.to_vec()).unwrap_or_default()
}

/// A cookie's `Expires` as the `cookie` crate writes it (`Thu, 24 Dec 2026 10:00:00
/// GMT`), appended to `out`; times past 9999 are written as its last second, as the
/// `cookie` crate clamps them, and times before year 1000 as the epoch.
pub(crate) fn push_http_date(out: &mut String, unix: i64) {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let unix = unix.min(*RANGE.end());
    // Year 1000: the year is then four digits, as `[year padding:none]` writes it.
    let c = civil(if unix >= -30_610_224_000 { unix } else { 0 });
    let mut text = *b"Thu, 01 Jan 1970 00:00:00 GMT";
    text[..3].copy_from_slice(DAYS[usize::try_from(c.weekday).unwrap_or(0)].as_bytes());
    digits(&mut text, 5, c.day, 2);
    let month = usize::try_from(c.month - 1).unwrap_or(0);
    text[8..11].copy_from_slice(MONTHS[month.min(11)].as_bytes());
    digits(&mut text, 12, c.year, 4);
    digits(&mut text, 17, c.secs / 3_600, 2);
    digits(&mut text, 20, c.secs / 60 % 60, 2);
    digits(&mut text, 23, c.secs % 60, 2);
    out.extend(text.iter().map(|&b| char::from(b)));
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_matches_to_iso_string() {
        assert_eq!(super::iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso(1_795_373_425), "2026-11-22T18:50:25.000Z");
        assert_eq!(super::iso(4_948_973_425), "2126-10-29T18:50:25.000Z");
        assert_eq!(super::iso(253_402_300_799), "9999-12-31T23:59:59.000Z");
        assert_eq!(super::iso(253_402_300_800), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso(-62_167_219_200), "0000-01-01T00:00:00.000Z");
        assert_eq!(super::iso(i64::MIN), "1970-01-01T00:00:00.000Z");
    }

    /// Times to compare with the `time` crate: second by second around leap days and
    /// century years, and a spread over the whole range.
    fn samples() -> Vec<i64> {
        let mut samples: Vec<i64> = (-30_610_224_000..=253_402_300_799)
            .step_by(7_919_993)
            .collect();
        for (y, m, d) in [
            (2000, 2, 29),
            (1900, 3, 1),
            (2024, 2, 29),
            (2100, 3, 1),
            (1969, 12, 31),
        ] {
            let date =
                time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
            let midnight = date.midnight().assume_utc().unix_timestamp();
            samples.extend(midnight - 86_400..midnight + 86_400);
        }
        samples
    }

    /// `Expires` is written as the `cookie` crate writes it.
    #[test]
    fn http_dates_agree_with_the_cookie_crate() {
        for unix in samples()
            .into_iter()
            .chain([253_402_300_799, 253_402_300_800, i64::MAX])
        {
            let at = time::OffsetDateTime::from_unix_timestamp(unix.min(253_402_300_799)).unwrap();
            let expected = cookie::Cookie::build(("n", "v"))
                .expires(at)
                .build()
                .to_string();
            let mut ours = String::from("n=v; Expires=");
            super::push_http_date(&mut ours, unix);
            assert_eq!(ours, expected, "{unix}");
        }
    }

    /// The arithmetic agrees with the `time` crate.
    #[test]
    fn iso_agrees_with_time() {
        let expect = |unix: i64| {
            let at = time::OffsetDateTime::from_unix_timestamp(unix).unwrap();
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            )
        };
        for unix in samples() {
            assert_eq!(super::iso(unix), expect(unix), "{unix}");
        }
    }
}
