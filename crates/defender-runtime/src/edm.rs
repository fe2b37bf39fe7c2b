//! OData `Edm` primitive values that survive a trip through the JSON wire format unchanged.
//!
//! The obvious Rust mappings lose information or reject what services actually send:
//!
//! * Defender writes timestamps with 0, 3, 6 or 7 fractional digits (.NET ticks are 100 ns),
//!   and some endpoints use a space instead of `T` and no zone. `time`'s RFC 3339 parser rejects
//!   the zone-less form, and formatting normalises the digit count, so a value read and written
//!   back (a paging cursor, a filter built from a previous response) would no longer match the
//!   original text. [`DateTimeOffset`] and [`TimeOfDay`] remember their spelling and reproduce it.
//! * `Edm.Decimal` has more precision than `f64`, so deserialising into a float silently rounds
//!   `12345678901234567890.123456789`. [`Decimal`] keeps the decimal text.
//! * `Edm.Duration` is an ISO 8601 day-time duration, which neither serde nor `time` can read;
//!   [`Duration`] keeps the original text so that `PT1.0000001S` is not rewritten.
//! * `Edm.Binary` is base64url in OData JSON, but services and fixtures also use the standard
//!   alphabet and drop padding; [`Binary`] accepts all four variants.
//!
//! Equality and hashing compare the *value* a type denotes, never its spelling: two timestamps
//! for the same instant are equal whatever their offset or digit count.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::wire::{OrNull, WireValue};

mod guid;
mod primitive;

pub use guid::Guid;
pub use primitive::{JsonForm, Primitive};
/// The GUID type [`Guid::as_uuid`] returns, re-exported so that callers need no `uuid` dependency.
pub use uuid::Uuid;

/// A string could not be read as the named OData `Edm` primitive type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdmParseError {
    edm_type: &'static str,
    input: String,
    truncated: bool,
    reason: &'static str,
}

impl EdmParseError {
    fn new(edm_type: &'static str, input: &str, reason: &'static str) -> Self {
        // Bounded so that a huge bogus payload does not end up verbatim in logs.
        let mut chars = input.chars();
        let input = chars.by_ref().take(64).collect();
        Self { edm_type, input, truncated: chars.next().is_some(), reason }
    }

    /// The qualified Edm type name, e.g. `Edm.DateTimeOffset`.
    pub fn edm_type(&self) -> &'static str {
        self.edm_type
    }

    /// The rejected input, cut to its first 64 characters.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// What was wrong with the input, for humans.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for EdmParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let more = if self.truncated { "…" } else { "" };
        write!(f, "invalid {} {:?}{more}: {}", self.edm_type, self.input, self.reason)
    }
}

impl std::error::Error for EdmParseError {}

/// The unread rest of the input. The parsers are hand-written because `time`'s format
/// descriptions cannot report how many fractional digits they consumed.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn next(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.0.first() == Some(&b);
        if hit {
            self.0 = &self.0[1..];
        }
        hit
    }

    /// An optional `+` or `-`; true for `-`.
    fn sign(&mut self) -> bool {
        !self.eat(b'+') && self.eat(b'-')
    }

    fn digits(&mut self) -> &'a [u8] {
        let n = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        let (run, rest) = self.0.split_at(n);
        self.0 = rest;
        run
    }

    /// Exactly `n` digits, as the fixed-width fields of dates and times require.
    fn fixed(&mut self, n: usize) -> Option<u32> {
        let (run, rest) = self.0.split_at_checked(n)?;
        let value = digits_value(run)?;
        self.0 = rest;
        Some(value)
    }
}

/// Runs `parse` over the whole of `s`, naming `edm_type` in any error.
fn parse_all<'a, T>(
    edm_type: &'static str,
    s: &'a str,
    parse: impl FnOnce(&mut Cursor<'a>) -> Result<T, &'static str>,
) -> Result<T, EdmParseError> {
    let mut c = Cursor(s.as_bytes());
    let value = parse(&mut c).and_then(|v| match c.0 {
        [] => Ok(v),
        _ => Err("unexpected text at the end"),
    });
    value.map_err(|reason| EdmParseError::new(edm_type, s, reason))
}

/// Value of 1 to 9 ASCII digits; `None` otherwise, which also rules out `u32` overflow.
fn digits_value(run: &[u8]) -> Option<u32> {
    if run.is_empty() || run.len() > 9 || !run.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(run.iter().fold(0, |acc, b| acc * 10 + u32::from(b - b'0')))
}

/// Fewest fractional digits that show `nanos` exactly, for values built from `time` types.
fn minimal_digits(nanos: u32) -> u8 {
    (0..=9u8).find(|d| nanos.is_multiple_of(10u32.pow(9 - u32::from(*d)))).unwrap_or(9)
}

fn write_fraction<W: fmt::Write>(w: &mut W, nanos: u32, digits: u8) -> fmt::Result {
    if digits == 0 {
        return Ok(());
    }
    let scaled = nanos / 10u32.pow(9 - u32::from(digits));
    write!(w, ".{scaled:0width$}", width = usize::from(digits))
}

/// `seconds` is the number of fractional digits, or `None` when the seconds were omitted.
fn write_time(f: &mut fmt::Formatter<'_>, t: time::Time, seconds: Option<u8>) -> fmt::Result {
    write!(f, "{:02}:{:02}", t.hour(), t.minute())?;
    match seconds {
        Some(digits) => {
            write!(f, ":{:02}", t.second())?;
            write_fraction(f, t.nanosecond(), digits)
        }
        None => Ok(()),
    }
}

fn write_date(f: &mut fmt::Formatter<'_>, d: time::Date) -> fmt::Result {
    // `{:04}` would count the sign in the width, so negative years are written by hand.
    let sign = if d.year() < 0 { "-" } else { "" };
    let (year, month, day) = (d.year().unsigned_abs(), u8::from(d.month()), d.day());
    write!(f, "{sign}{year:04}-{month:02}-{day:02}")
}

/// `[-]YYYY-MM-DD`: the OData ABNF allows a sign, and `time` stops at four-digit years.
fn parse_date(c: &mut Cursor<'_>) -> Result<time::Date, &'static str> {
    let negative = c.eat(b'-');
    let year = c.fixed(4).filter(|y| !negative || *y > 0).ok_or("expected a four-digit year")?;
    let month = c.eat(b'-').then(|| c.fixed(2)).flatten().ok_or("expected '-MM' month")?;
    let day = c.eat(b'-').then(|| c.fixed(2)).flatten().ok_or("expected '-DD' day")?;
    // Four digits always fit in i32, two in u8.
    let year = if negative { -(year as i32) } else { year as i32 };
    let month = time::Month::try_from(month as u8).map_err(|_| "month out of range")?;
    time::Date::from_calendar_date(year, month, day as u8).map_err(|_| "day out of range")
}

/// `HH:MM[:SS[.f…]]`. Seconds may be omitted per the OData ABNF. At most 9 fractional digits,
/// and no leap second `:60`: `time` can hold neither, and folding them would break round trips.
fn parse_time(c: &mut Cursor<'_>) -> Result<(time::Time, Option<u8>), &'static str> {
    let hour = c.fixed(2).ok_or("expected a two-digit hour")?;
    let minute = c.eat(b':').then(|| c.fixed(2)).flatten().ok_or("expected ':MM' minutes")?;
    let (mut second, mut nanos, mut seconds) = (0, 0, None);
    if c.eat(b':') {
        second = c.fixed(2).ok_or("expected two-digit seconds")?;
        seconds = Some(0);
        if c.eat(b'.') {
            let frac = c.digits();
            let value = digits_value(frac).ok_or("expected 1 to 9 fractional digits")?;
            nanos = value * 10u32.pow(9 - frac.len() as u32);
            seconds = Some(frac.len() as u8);
        }
    }
    let time = time::Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos)
        .map_err(|_| "time of day out of range")?;
    Ok((time, seconds))
}

/// Reading eight ASCII bytes at a time as one little-endian word (the first byte lowest).
mod swar {
    const HIGH_NIBBLES: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const SIXES: u64 = 0x0606_0606_0606_0606;

    /// A word whose bytes are zero exactly where `word` holds an ASCII digit, up to the first
    /// byte that does not: a digit has the high nibble 3 and stays there when 6 is added.
    /// Carries only move towards later bytes, so the first non-digit is always marked.
    fn non_digits(word: u64) -> u64 {
        ((word & HIGH_NIBBLES) ^ ZEROS) | ((word.wrapping_add(SIXES) & HIGH_NIBBLES) ^ ZEROS)
    }

    /// Whether every byte of `word` selected by `mask` (0xff per byte) is an ASCII digit. The
    /// other bytes must be known not to carry into the next one (`-`, `:`, `T`, `t` do not).
    pub(super) fn all_digits(word: u64, mask: u64) -> bool {
        non_digits(word) & mask == 0
    }

    /// How many of the word's bytes, from the first, are ASCII digits.
    pub(super) fn leading_digits(word: u64) -> usize {
        (non_digits(word).trailing_zeros() / 8) as usize
    }

    /// The value of eight ASCII digits, the first the most significant; zero bytes read as 0.
    pub(super) fn eight_digits(word: u64) -> u32 {
        let word = word & 0x0f0f_0f0f_0f0f_0f0f;
        let word = (word.wrapping_mul(10) + (word >> 8)) & 0x00ff_00ff_00ff_00ff;
        let word = (word.wrapping_mul(100) + (word >> 16)) & 0x0000_ffff_0000_ffff;
        ((word.wrapping_mul(10_000) + (word >> 32)) & 0xffff_ffff) as u32
    }
}

/// How the zone of a [`DateTimeOffset`] was spelled, beyond what `UtcOffset` can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Zone {
    Z,
    LowerZ,
    Offset,
    /// RFC 3339's "offset unknown", which `UtcOffset` cannot tell from `+00:00`.
    MinusZero,
}

impl Zone {
    /// `Z` or `z`, whichever was sent.
    fn letter(z: u8) -> Self {
        if z == b'z' { Self::LowerZ } else { Self::Z }
    }
}

/// The parts of a timestamp's spelling that its value does not determine — the separator
/// (`T`, `t` or a space), the number of fractional digits (or no seconds at all) and the zone
/// form — packed into one byte, so that a `DateTimeOffset` stays 16 bytes and an optional one
/// too: a page holds one per item and timestamp.
#[derive(Clone, Copy)]
struct Spelling(u8);

impl Spelling {
    const NO_SECONDS: u8 = 0x0f;

    fn new(separator: u8, seconds: Option<u8>, zone: Zone) -> Self {
        let separator = match separator {
            b't' => 1,
            b' ' => 2,
            _ => 0,
        };
        // At most nine fractional digits are ever kept, so four bits hold the count.
        let seconds = seconds.map_or(Self::NO_SECONDS, |digits| digits.min(9));
        Self(separator | (zone as u8) << 2 | seconds << 4)
    }

    fn separator(self) -> u8 {
        match self.0 & 0b11 {
            1 => b't',
            2 => b' ',
            _ => b'T',
        }
    }

    fn zone(self) -> Zone {
        match (self.0 >> 2) & 0b11 {
            0 => Zone::Z,
            1 => Zone::LowerZ,
            2 => Zone::Offset,
            _ => Zone::MinusZero,
        }
    }

    /// The number of fractional digits, or `None` when the seconds were left out.
    fn seconds(self) -> Option<u8> {
        match self.0 >> 4 {
            Self::NO_SECONDS => None,
            digits => Some(digits),
        }
    }
}

/// Months by number less one, so that a month is one bounds-checked load.
const MONTHS: [time::Month; 12] = {
    use time::Month::*;
    [January, February, March, April, May, June, July, August, September, October, November, December]
};

/// `Edm.DateTimeOffset`: an instant with its UTC offset, to the nanosecond.
///
/// Accepts RFC 3339 (`T` or `t`, `Z`, `z` or `±HH:MM`, 0 to 9 fractional digits), a space in
/// place of `T`, the OData ABNF's signed years and omitted seconds (`2024-01-01T10:00Z`), and
/// the zone-less `2025-09-17 14:52:23[.f…]` that some Defender endpoints emit, read as UTC.
///
/// [`Display`](fmt::Display) and [`Serialize`] reproduce the parsed text byte for byte, except
/// for the zone-less form, which is not valid RFC 3339 and is written as `2025-09-17T14:52:23Z`:
/// the same instant, different bytes. Values from an [`OffsetDateTime`] are written with the
/// fewest fractional digits and `Z` for UTC. Comparison and hashing use the instant only.
#[derive(Clone, Copy)]
pub struct DateTimeOffset {
    local: PrimitiveDateTime,
    offset: UtcOffset,
    spelling: Spelling,
}

impl DateTimeOffset {
    /// Parses the wire form; see the type documentation for what is accepted.
    pub fn parse(s: &str) -> Result<Self, EdmParseError> {
        match Self::parse_common(s.as_bytes()) {
            Some(parsed) => Ok(parsed),
            None => parse_all("Edm.DateTimeOffset", s, Self::parse_from),
        }
    }

    /// The form nearly every response uses, `YYYY-MM-DDTHH:MM:SS[.f…](Z|±HH:MM)` with up to
    /// eight fractional digits, read by position. Anything else, including every error, is left to [`Self::parse_from`], which
    /// reads the same values from this form; a test holds the two to that.
    fn parse_common(b: &[u8]) -> Option<Self> {
        let (head, rest) = b.split_first_chunk::<19>()?;
        // `YYYY-MM-` and `DDTHH:MM` as two words, eight bytes checked at a time: nearly every
        // value the service sends comes through here, one per timestamp of a 10,000-item page.
        let date = u64::from_le_bytes(*head.first_chunk::<8>()?);
        let clock = u64::from_le_bytes(*head[8..].first_chunk::<8>()?);
        let separator = head[10];
        if date & 0xff00_00ff_0000_0000 != 0x2d00_002d_0000_0000
            || clock & 0x0000_ff00_0000_0000 != 0x0000_3a00_0000_0000
            || head[16] != b':'
            || (separator != b'T' && separator != b't')
            || !swar::all_digits(date, 0x00ff_ff00_ffff_ffff)
            || !swar::all_digits(clock, 0xffff_00ff_ff00_ffff)
            || !head[17].is_ascii_digit()
            || !head[18].is_ascii_digit()
        {
            return None;
        }
        let digit = |word: u64, at: u32| ((word >> (8 * at)) & 0xf) as u8;
        let year = i32::from(digit(date, 0)) * 1000
            + i32::from(digit(date, 1)) * 100
            + i32::from(digit(date, 2)) * 10
            + i32::from(digit(date, 3));
        let month = digit(date, 5) * 10 + digit(date, 6);
        let day = digit(clock, 0) * 10 + digit(clock, 1);
        let (hour, minute) = (digit(clock, 3) * 10 + digit(clock, 4), digit(clock, 6) * 10 + digit(clock, 7));
        let second = (head[17] - b'0') * 10 + (head[18] - b'0');
        let (nanos, digits, zone) = match rest {
            [b'.', fraction @ ..] => {
                let word = match fraction.first_chunk::<8>() {
                    Some(chunk) => u64::from_le_bytes(*chunk),
                    // Fewer than eight bytes left (six digits and `Z`): the input's last eight,
                    // shifted so that the fraction starts the word and zeros, not digits, follow.
                    None => {
                        let missing = 8 - fraction.len() as u32;
                        u64::from_le_bytes(*b.last_chunk::<8>()?).checked_shr(8 * missing).unwrap_or(0)
                    }
                };
                let digits = swar::leading_digits(word);
                // Nine digits (or a tenth, which is an error) are left to the general reader.
                if digits == 0 || (digits == 8 && fraction.get(8).is_some_and(u8::is_ascii_digit)) {
                    return None;
                }
                let kept = if digits == 8 { u64::MAX } else { (1u64 << (8 * digits)) - 1 };
                // The digits read as an eight-digit number padded with zeros: tens of nanoseconds.
                let nanos = swar::eight_digits(word & kept) * 10;
                (nanos, digits as u8, &fraction[digits..])
            }
            _ => (0, 0, rest),
        };
        let (offset, zone) = match *zone {
            [z @ (b'Z' | b'z')] => (UtcOffset::UTC, Zone::letter(z)),
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                if ![h1, h2, m1, m2].iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let (h, m) = ((h1 - b'0') * 10 + (h2 - b'0'), (m1 - b'0') * 10 + (m2 - b'0'));
                if h >= 24 || m >= 60 || (sign == b'-' && h == 0 && m == 0) {
                    return None;
                }
                let (h, m) = if sign == b'-' { (-(h as i8), -(m as i8)) } else { (h as i8, m as i8) };
                (UtcOffset::from_hms(h, m, 0).ok()?, Zone::Offset)
            }
            _ => return None,
        };
        let month = *MONTHS.get(usize::from(month).wrapping_sub(1))?;
        let date = time::Date::from_calendar_date(year, month, day).ok()?;
        let time = time::Time::from_hms_nano(hour, minute, second, nanos).ok()?;
        let local = PrimitiveDateTime::new(date, time);
        Some(Self { local, offset, spelling: Spelling::new(separator, Some(digits), zone) })
    }

    fn parse_from(c: &mut Cursor<'_>) -> Result<Self, &'static str> {
        let date = parse_date(c)?;
        let mut separator = match c.next() {
            Some(b @ (b'T' | b't' | b' ')) => b,
            _ => return Err("expected 'T' between date and time"),
        };
        let (time, seconds) = parse_time(c)?;
        let (offset, zone) = match c.next() {
            Some(z @ (b'Z' | b'z')) => (UtcOffset::UTC, Zone::letter(z)),
            Some(sign @ (b'+' | b'-')) => {
                let h = c.fixed(2).filter(|h| *h < 24);
                let m = c.eat(b':').then(|| c.fixed(2)).flatten().filter(|m| *m < 60);
                let (Some(h), Some(m)) = (h, m) else {
                    return Err("expected a ±HH:MM offset");
                };
                let (h, m) = if sign == b'-' { (-(h as i8), -(m as i8)) } else { (h as i8, m as i8) };
                let zone = if (sign, h, m) == (b'-', 0, 0) { Zone::MinusZero } else { Zone::Offset };
                (UtcOffset::from_hms(h, m, 0).map_err(|_| "offset out of range")?, zone)
            }
            None if separator == b' ' => {
                separator = b'T';
                (UtcOffset::UTC, Zone::Z)
            }
            _ => return Err("expected 'Z' or a ±HH:MM offset"),
        };
        let local = PrimitiveDateTime::new(date, time);
        Ok(Self { local, offset, spelling: Spelling::new(separator, seconds, zone) })
    }

    /// The instant with its offset.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.local.assume_offset(self.offset)
    }

    /// Unwraps into the `time` value, dropping the remembered spelling.
    pub fn into_inner(self) -> OffsetDateTime {
        self.as_offset_date_time()
    }
}

impl From<OffsetDateTime> for DateTimeOffset {
    fn from(value: OffsetDateTime) -> Self {
        // RFC 3339 offsets have no seconds, so such an offset is moved to UTC where `time`'s
        // year range allows; otherwise it is written as `±HH:MM:SS` rather than misstated.
        let value = match value.offset().seconds_past_minute() {
            0 => value,
            _ => value.checked_to_offset(UtcOffset::UTC).unwrap_or(value),
        };
        let zone = if value.offset().is_utc() { Zone::Z } else { Zone::Offset };
        let spelling = Spelling::new(b'T', Some(minimal_digits(value.nanosecond())), zone);
        Self { local: PrimitiveDateTime::new(value.date(), value.time()), offset: value.offset(), spelling }
    }
}

impl fmt::Debug for DateTimeOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DateTimeOffset").field(&format_args!("{self}")).finish()
    }
}

impl fmt::Display for DateTimeOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_date(f, self.local.date())?;
        f.write_char(char::from(self.spelling.separator()))?;
        write_time(f, self.local.time(), self.spelling.seconds())?;
        match self.spelling.zone() {
            Zone::Z => f.write_char('Z'),
            Zone::LowerZ => f.write_char('z'),
            Zone::MinusZero => f.write_str("-00:00"),
            Zone::Offset => {
                let (h, m, s) = self.offset.as_hms();
                let sign = if self.offset.is_negative() { '-' } else { '+' };
                write!(f, "{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())?;
                if s == 0 { Ok(()) } else { write!(f, ":{:02}", s.unsigned_abs()) }
            }
        }
    }
}

/// `Edm.Date`: a calendar date without time or zone, wire form `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(time::Date);

impl Date {
    /// Parses `YYYY-MM-DD`; a leading `-` (years before 1 BC) is allowed, as in OData.
    pub fn parse(s: &str) -> Result<Self, EdmParseError> {
        parse_all("Edm.Date", s, parse_date).map(Self)
    }

    /// The `time` value.
    pub fn as_date(&self) -> time::Date {
        self.0
    }
}

impl From<time::Date> for Date {
    fn from(value: time::Date) -> Self {
        Self(value)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_date(f, self.0)
    }
}

/// `Edm.TimeOfDay`: a wall-clock time, wire form `HH:MM[:SS[.f…]]`.
///
/// The spec allows 12 fractional digits; more than 9 are rejected because `time` stores
/// nanoseconds and dropping digits would break the exact round trip. Parsed values are written
/// back as read; values from [`time::Time`] use the fewest digits. Comparison and hashing use
/// the time only.
#[derive(Clone, Copy, Debug)]
pub struct TimeOfDay {
    value: time::Time,
    seconds: Option<u8>,
}

impl TimeOfDay {
    /// Parses the wire form.
    pub fn parse(s: &str) -> Result<Self, EdmParseError> {
        parse_all("Edm.TimeOfDay", s, parse_time).map(|(value, seconds)| Self { value, seconds })
    }

    /// The `time` value.
    pub fn as_time(&self) -> time::Time {
        self.value
    }
}

impl From<time::Time> for TimeOfDay {
    fn from(value: time::Time) -> Self {
        Self { value, seconds: Some(minimal_digits(value.nanosecond())) }
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_time(f, self.value, self.seconds)
    }
}

/// `Edm.Duration`: a signed ISO 8601 day-time duration such as `P1DT2H3M4.5S` or `-PT0.5S`.
///
/// Years, months and weeks (`P1Y`) are rejected: Edm.Duration excludes them because their length
/// depends on the calendar. Seconds take at most 9 fractional digits. Parsed text is written
/// back verbatim; values from [`time::Duration`] are written as the shortest `[-]PnDTnHnMn.fS`.
/// Comparison and hashing use the length only, so `PT60S == PT1M`.
#[derive(Clone, Debug)]
pub struct Duration {
    value: time::Duration,
    text: String,
}

impl Duration {
    /// Parses the wire form.
    pub fn parse(s: &str) -> Result<Self, EdmParseError> {
        let value = parse_all("Edm.Duration", s, parse_duration)?;
        Ok(Self { value, text: s.to_owned() })
    }

    /// The signed length.
    pub fn as_duration(&self) -> time::Duration {
        self.value
    }
}

fn parse_duration(c: &mut Cursor<'_>) -> Result<time::Duration, &'static str> {
    const NANOS: i128 = 1_000_000_000;
    let negative = c.sign();
    if !c.eat(b'P') {
        return Err("expected 'P'");
    }
    let (mut total, mut rank, mut in_time, mut components) = (0i128, 0, false, 0);
    while !c.0.is_empty() {
        if !in_time && c.eat(b'T') {
            (in_time, components) = (true, 0);
            continue;
        }
        // At most 20 digits keeps the i128 arithmetic far from overflow.
        let whole = c.digits();
        if whole.is_empty() || whole.len() > 20 {
            return Err("expected a number of 1 to 20 digits");
        }
        let fraction = c.eat(b'.').then(|| c.digits());
        let (unit_rank, unit_seconds) = match (in_time, c.next()) {
            (false, Some(b'D')) => (1, 86_400),
            (true, Some(b'H')) => (2, 3_600),
            (true, Some(b'M')) => (3, 60),
            (true, Some(b'S')) => (4, 1),
            (false, Some(b'Y' | b'M' | b'W')) => return Err("years, months, weeks not allowed"),
            _ => return Err("expected a D, H, M or S designator"),
        };
        if unit_rank <= rank || (fraction.is_some() && unit_rank != 4) {
            return Err("components out of order, repeated, or with a fraction before S");
        }
        rank = unit_rank;
        let whole = whole.iter().fold(0i128, |acc, b| acc * 10 + i128::from(b - b'0'));
        total += whole * unit_seconds * NANOS;
        if let Some(frac) = fraction {
            let value = digits_value(frac).ok_or("expected 1 to 9 fractional digits")?;
            total += i128::from(value * 10u32.pow(9 - frac.len() as u32));
        }
        components += 1;
    }
    if rank == 0 || components == 0 {
        return Err("expected at least one component, and one after 'T'");
    }
    let total = if negative { -total } else { total };
    let seconds = i64::try_from(total / NANOS).map_err(|_| "duration out of range")?;
    // Below one second with the sign of `seconds`, so `new` has nothing to carry.
    Ok(time::Duration::new(seconds, (total % NANOS) as i32))
}

impl From<time::Duration> for Duration {
    fn from(value: time::Duration) -> Self {
        let secs = value.whole_seconds().unsigned_abs();
        let nanos = value.subsec_nanoseconds().unsigned_abs();
        let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60, secs % 60);
        let mut text = String::from(if value.is_negative() { "-P" } else { "P" });
        // Writing into a String cannot fail, hence the ignored results.
        if d > 0 {
            let _ = write!(text, "{d}D");
        }
        if d == 0 || !secs.is_multiple_of(86_400) || nanos > 0 {
            text.push('T');
        }
        for (n, unit) in [(h, 'H'), (m, 'M')].into_iter().filter(|(n, _)| *n > 0) {
            let _ = write!(text, "{n}{unit}");
        }
        if s > 0 || nanos > 0 || secs == 0 {
            let _ = write!(text, "{s}");
            let _ = write_fraction(&mut text, nanos, minimal_digits(nanos));
            text.push('S');
        }
        Self { value, text }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Equality, hashing and ordering by the value a type denotes (`$key()`), ignoring the
/// remembered spelling. `OffsetDateTime`'s own impls compare instants, whatever the offset.
macro_rules! compare_by {
    ($($ty:ident by $key:ident),*) => {$(
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                self.$key() == other.$key()
            }
        }

        impl Eq for $ty {}

        impl Hash for $ty {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.$key().hash(state);
            }
        }

        impl PartialOrd for $ty {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $ty {
            fn cmp(&self, other: &Self) -> Ordering {
                self.$key().cmp(&other.$key())
            }
        }
    )*};
}

compare_by!(DateTimeOffset by as_offset_date_time, TimeOfDay by as_time, Duration by as_duration);

/// Decodes both alphabets, padded or not, once `-_` have been mapped to `+/`.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// `Edm.Binary`: raw bytes.
///
/// Written as base64url *with* padding, as in the OData JSON format's examples; padding is what
/// a strict decoder is most likely to insist on. Read from base64url or standard base64, with or
/// without padding, since services and fixtures use all four.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Binary(Vec<u8>);

impl Binary {
    /// Decodes base64url or standard base64, padded or not.
    pub fn parse(s: &str) -> Result<Self, EdmParseError> {
        let standard = s.replace('-', "+").replace('_', "/");
        LENIENT_BASE64
            .decode(standard)
            .map(Self)
            .map_err(|_| EdmParseError::new("Edm.Binary", s, "not base64url or base64"))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Unwraps into the bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl From<Vec<u8>> for Binary {
    fn from(value: Vec<u8>) -> Self {
        Self(value)
    }
}

impl fmt::Display for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE.encode(&self.0))
    }
}

/// How a [`Decimal`] arrived, which decides how it is written back.
#[derive(Clone, Copy, Debug)]
enum DecimalWire {
    String,
    Integer,
    Float,
}

/// `Edm.Decimal`, kept as its exact decimal text.
///
/// Read from a JSON string (the `IEEE754Compatible=true` form): exact, and written back as the
/// same string. From a JSON integer: exact, written back as the same integer. From a JSON float:
/// the JSON parser has already rounded it to `f64`, so the text is the shortest round-trip
/// rendering of that `f64`, written back as a number. Any input of at most 15 significant digits
/// thus comes back as the same number (`0.1` stays `0.1`), though not always the same spelling
/// (`1e2` becomes `100.0`); longer inputs, and integers beyond `u64`, which also arrive as
/// floats, are rounded. Ask services for strings when precision matters.
///
/// [`parse`](Self::parse) accepts `-?digits(.digits)?([eE][+-]?digits)?` (exponents of up to 9
/// digits); such values are written as JSON strings. Equality and hashing use the numeric
/// value, so `1.50 == 15e-1`.
#[derive(Clone, Debug)]
pub struct Decimal {
    text: String,
    wire: DecimalWire,
}

/// Sign, digits before and after the point, and exponent of valid decimal text.
type DecimalParts<'a> = (bool, &'a [u8], &'a [u8], i64);

fn split_decimal<'a>(c: &mut Cursor<'a>) -> Result<DecimalParts<'a>, &'static str> {
    let negative = c.eat(b'-');
    let whole = c.digits();
    let fraction = c.eat(b'.').then(|| c.digits());
    if whole.is_empty() || fraction.is_some_and(<[u8]>::is_empty) {
        return Err("expected digits before and after any '.'");
    }
    let mut exponent = 0;
    if c.eat(b'e') || c.eat(b'E') {
        let exp_negative = c.sign();
        // Nine digits are far beyond any real decimal and keep the arithmetic overflow-free.
        let value = digits_value(c.digits()).ok_or("expected 1 to 9 exponent digits")?;
        exponent = if exp_negative { -i64::from(value) } else { i64::from(value) };
    }
    Ok((negative, whole, fraction.unwrap_or_default(), exponent))
}

impl Decimal {
    /// Parses decimal text; the value will be written back as a JSON string.
    pub fn parse(s: &str) -> Result<Self, EdmParseError> {
        parse_all("Edm.Decimal", s, split_decimal)?;
        Ok(Self { text: s.to_owned(), wire: DecimalWire::String })
    }

    /// The decimal text, exactly as received.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The nearest `f64`: lossy beyond about 15 significant digits, infinite beyond its range.
    pub fn to_f64(&self) -> f64 {
        self.text.parse().unwrap_or(f64::NAN)
    }

    /// `(negative, significant digits, exponent)` with insignificant zeros stripped, so that
    /// equal numbers spelled differently have equal keys.
    fn numeric_key(&self) -> (bool, Vec<u8>, i64) {
        let Ok((negative, whole, fraction, exponent)) = parse_all("", &self.text, split_decimal) else {
            return (false, self.text.as_bytes().to_vec(), 0);
        };
        let all: Vec<u8> = whole.iter().chain(fraction).copied().collect();
        let start = all.iter().position(|b| *b != b'0').unwrap_or(all.len());
        let end = all.iter().rposition(|b| *b != b'0').map_or(start, |i| i + 1);
        if start >= end {
            return (false, Vec::new(), 0);
        }
        let exponent = exponent - fraction.len() as i64 + (all.len() - end) as i64;
        (negative, all[start..end].to_vec(), exponent)
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Self {
        Self { text: value.to_string(), wire: DecimalWire::Integer }
    }
}

impl From<u64> for Decimal {
    fn from(value: u64) -> Self {
        Self { text: value.to_string(), wire: DecimalWire::Integer }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.numeric_key() == other.numeric_key()
    }
}

impl Eq for Decimal {}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.numeric_key().hash(state);
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The string fallbacks are unreachable for values built here, and lossless regardless.
        match self.wire {
            DecimalWire::String => serializer.serialize_str(&self.text),
            DecimalWire::Integer => match (self.text.parse::<i64>(), self.text.parse::<u64>()) {
                (Ok(i), _) => serializer.serialize_i64(i),
                (_, Ok(u)) => serializer.serialize_u64(u),
                _ => serializer.serialize_str(&self.text),
            },
            DecimalWire::Float => match self.text.parse::<f64>() {
                Ok(v) if v.is_finite() => serializer.serialize_f64(v),
                _ => serializer.serialize_str(&self.text),
            },
        }
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `Number`'s text is exact for integers; for floats it is the shortest round-trip
        // rendering of the `f64` the JSON parser produced.
        let (text, wire) = match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(s) => (s, DecimalWire::String),
            serde_json::Value::Number(n) if n.is_f64() => (n.to_string(), DecimalWire::Float),
            serde_json::Value::Number(n) => (n.to_string(), DecimalWire::Integer),
            _ => {
                return Err(de::Error::custom("expected an Edm.Decimal number or string"));
            }
        };
        parse_all("Edm.Decimal", &text, split_decimal).map_err(de::Error::custom)?;
        Ok(Self { text, wire })
    }
}

/// `FromStr` through `parse` for every type, and serde as a JSON string through `Display` and
/// `parse` for those whose wire form is always a string.
macro_rules! text_forms {
    (from_str: $($parsed:ident),*; string_wire: $($ty:ident => $expecting:literal),*) => {
        $(impl FromStr for $parsed {
            type Err = EdmParseError;
            fn from_str(s: &str) -> Result<Self, EdmParseError> {
                Self::parse(s)
            }
        })*

        $(impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        const _: () = {
            struct StrVisitor;

            impl Visitor<'_> for StrVisitor {
                type Value = $ty;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str($expecting)
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                    $ty::parse(v).map_err(E::custom)
                }
            }

            impl<'de> Deserialize<'de> for $ty {
                fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    deserializer.deserialize_str(StrVisitor)
                }
            }

            impl WireValue for $ty {
                fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    deserializer.deserialize_str(StrVisitor)
                }
                // A value or `null` in one dispatch; a string is all either call accepts.
                fn deserialize_optional_wire<'de, D: Deserializer<'de>>(
                    deserializer: D,
                ) -> Result<Option<Self>, D::Error> {
                    deserializer.deserialize_any(OrNull(StrVisitor))
                }
            }
        };)*
    };
}

text_forms! {
    from_str: DateTimeOffset, Date, TimeOfDay, Duration, Binary, Decimal;
    string_wire:
        DateTimeOffset => "an Edm.DateTimeOffset string such as 2019-12-03T09:51:28.2143399Z",
        Date => "an Edm.Date string such as 2024-01-31",
        TimeOfDay => "an Edm.TimeOfDay string such as 13:45:00.5",
        Duration => "an Edm.Duration string such as P1DT2H3M4.5S",
        Binary => "an Edm.Binary base64url string"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use std::collections::HashSet;
    use time::macros::{date, datetime, time};

    /// Each text, as a JSON string, must survive deserialise + serialise byte for byte.
    fn assert_round_trips<T: Serialize + DeserializeOwned + fmt::Display>(texts: &[&str]) {
        for text in texts {
            let json = format!("\"{text}\"");
            let value: T = serde_json::from_str(&json).expect(text);
            assert_eq!(
                (serde_json::to_string(&value).expect(text), value.to_string()),
                (json, (*text).to_owned())
            );
        }
    }

    /// Each input must fail to parse with an error naming the type and the input.
    fn assert_rejects<T: FromStr<Err = EdmParseError> + fmt::Debug>(edm_type: &str, inputs: &[&str]) {
        for input in inputs {
            let err = input.parse::<T>().expect_err(input);
            assert_eq!((err.edm_type(), err.input()), (edm_type, *input));
        }
    }

    fn dto(s: &str) -> DateTimeOffset {
        DateTimeOffset::parse(s).expect(s)
    }

    /// The positional fast path reads exactly what the general parser reads, and declines
    /// (rather than rejects or misreads) everything else.
    #[test]
    fn the_fast_path_agrees_with_the_general_parser() {
        let mut inputs = Vec::new();
        for date in [
            "2019-12-03",
            "0001-01-01",
            "9999-12-31",
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1x-01",
        ] {
            for separator in ["T", "t", " ", "X"] {
                for time in ["09:51:28", "23:59:59", "24:00:00", "09:60:00", "09:51:61", "09:51", "0951:28"] {
                    for fraction in
                        ["", ".", ".2", ".214338", ".2143399", ".123456789", ".1234567890", ".12a"]
                    {
                        for zone in
                            ["Z", "z", "+05:30", "-08:00", "-00:00", "+24:00", "+05:60", "+0530", "", "Zz"]
                        {
                            inputs.push(format!("{date}{separator}{time}{fraction}{zone}"));
                        }
                    }
                }
            }
        }
        let mut fast = 0;
        for input in &inputs {
            let general = parse_all("Edm.DateTimeOffset", input, DateTimeOffset::parse_from);
            match DateTimeOffset::parse_common(input.as_bytes()) {
                Some(quick) => {
                    fast += 1;
                    let general =
                        general.unwrap_or_else(|e| panic!("{input}: the general parser rejects it: {e}"));
                    assert_eq!((quick.local, quick.offset), (general.local, general.offset), "{input}");
                    assert_eq!(quick.to_string(), general.to_string(), "{input}");
                    assert_eq!(quick.to_string(), *input, "{input}");
                }
                None => {
                    if let Ok(general) = general {
                        assert_eq!(
                            DateTimeOffset::parse(input).map(|v| v.to_string()),
                            Ok(general.to_string())
                        );
                    }
                }
            }
        }
        assert_eq!(
            fast, 256,
            "valid inputs in the common form: 4 dates, 2 separators, 2 times, 4 fractions (nine \
             digits are the general parser's), 4 zones"
        );
    }

    /// Every single-byte change of a valid timestamp is read or declined, never a panic, and the
    /// fast path still agrees with the general parser. The fuzzer found `2019-12-!3T…`
    /// overflowing the digit reader this way.
    #[test]
    fn no_single_byte_change_makes_the_parsers_panic_or_disagree() {
        for valid in ["2019-12-03T07:23:53.280499Z", "2025-09-17t14:52:23+05:30"] {
            for at in 0..valid.len() {
                for byte in (0u8..=0x7f).chain([0x80, 0xc3, 0xff]) {
                    let mut bytes = valid.as_bytes().to_vec();
                    bytes[at] = byte;
                    let general = match std::str::from_utf8(&bytes) {
                        Ok(text) => parse_all("Edm.DateTimeOffset", text, DateTimeOffset::parse_from).ok(),
                        Err(_) => None,
                    };
                    if let Some(quick) = DateTimeOffset::parse_common(&bytes) {
                        let general =
                            general.unwrap_or_else(|| panic!("{bytes:?}: only the fast path reads it"));
                        assert_eq!((quick.local, quick.offset), (general.local, general.offset), "{bytes:?}");
                    }
                }
            }
        }
    }

    /// A page holds one timestamp per item and property, so the remembered spelling must not
    /// make one bigger than the `time` value it wraps, optional or not.
    #[test]
    fn a_date_time_offset_is_as_small_as_an_offset_date_time() {
        use std::mem::size_of;
        assert_eq!(size_of::<DateTimeOffset>(), size_of::<OffsetDateTime>());
        assert_eq!(size_of::<Option<DateTimeOffset>>(), size_of::<OffsetDateTime>());
    }

    #[test]
    fn every_spelling_survives_packing() {
        for separator in [b'T', b't', b' '] {
            for seconds in (0..=9).map(Some).chain([None]) {
                for zone in [Zone::Z, Zone::LowerZ, Zone::Offset, Zone::MinusZero] {
                    let spelling = Spelling::new(separator, seconds, zone);
                    assert_eq!(
                        (spelling.separator(), spelling.seconds(), spelling.zone()),
                        (separator, seconds, zone)
                    );
                }
            }
        }
    }

    #[test]
    fn date_time_offset_round_trips_byte_for_byte() {
        assert_round_trips::<DateTimeOffset>(&[
            "2019-12-03T07:23:53Z",
            "2019-12-03T09:51:28.214Z",
            "2019-12-03T09:51:28.214338Z",
            "2019-12-03T09:51:28.2143399Z",
            "2019-12-03T09:51:28.2143380Z",
            "2019-12-03T09:51:28.123456789Z",
            "2024-01-01T10:00:00+02:00",
            "2024-01-01T10:00:00.5-05:30",
            "2024-01-01T10:00:00+00:00",
            "2024-01-01T10:00:00-00:00",
            "0001-01-01T00:00:00Z",
            "2019-12-03t09:51:28.1z",
            "2019-12-03 09:51:28+01:00",
            "2024-01-01T10:00Z",
        ]);
    }

    #[test]
    fn date_time_offset_compares_instants_and_keeps_ticks() {
        assert_eq!(dto("2019-12-03T09:51:28.214338Z"), dto("2019-12-03T09:51:28.2143380Z"));
        assert_eq!(dto("2024-01-01T10:00:00+02:00"), dto("2024-01-01T08:00:00.000Z"));
        assert_ne!(dto("2019-12-03T09:51:28.2143399Z"), dto("2019-12-03T09:51:28.21434Z"));
        assert!(dto("2024-01-01T10:00:00+02:00") < dto("2024-01-01T09:00:00Z"));
        let set: HashSet<_> = [dto("2024-01-01T10:00+02:00"), dto("2024-01-01T08:00:00Z")].into();
        assert_eq!(set.len(), 1);
        assert_eq!(dto("2019-12-03T09:51:28.2143399Z").as_offset_date_time().nanosecond(), 214_339_900);
        assert_eq!(dto("-0044-03-15T12:00:00Z").into_inner().year(), -44);
    }

    #[test]
    fn date_time_offset_reads_the_space_form_as_utc_and_writes_rfc3339() {
        let t = dto("2025-09-17 14:52:23");
        assert_eq!(t.into_inner(), datetime!(2025-09-17 14:52:23 UTC));
        assert_eq!(serde_json::to_string(&t).expect("ser"), "\"2025-09-17T14:52:23Z\"");
        assert_eq!(dto("2025-09-17 14:52:23.50").to_string(), "2025-09-17T14:52:23.50Z");
    }

    #[test]
    fn date_time_offset_from_time_uses_minimal_digits() {
        for (value, text) in [
            (datetime!(2019-12-03 09:51:28.2143380 UTC), "2019-12-03T09:51:28.214338Z"),
            (datetime!(2024-01-01 10:00 -05:30), "2024-01-01T10:00:00-05:30"),
            (datetime!(2024-01-01 10:00 +00:00:30), "2024-01-01T09:59:30Z"),
        ] {
            assert_eq!(DateTimeOffset::from(value).to_string(), text);
            assert_eq!(dto(text), DateTimeOffset::from(value));
        }
    }

    #[test]
    fn date_time_offset_rejects_garbage_with_errors() {
        let e = "Edm.DateTimeOffset";
        assert_rejects::<DateTimeOffset>(e, &["", "yesterday", "2019-12-03", "2019-12-03T09:51:28"]);
        assert_rejects::<DateTimeOffset>(e, &["2019-13-01T00:00:00Z", "2019-02-29T00:00:00Z"]);
        assert_rejects::<DateTimeOffset>(e, &["2019-12-03T24:00:00Z", "2019-12-03T23:59:60Z"]);
        assert_rejects::<DateTimeOffset>(e, &["2019-12-03T09:51:28.Z", "2019-12-03T09:51:28Z "]);
        assert_rejects::<DateTimeOffset>(e, &["2019-12-03T09:51:28+24:00", "2019-12-03T09:51:28+0200"]);
        assert_rejects::<DateTimeOffset>(e, &["2019-12-03T09:51:28.1234567890Z"]);
        for json in ["20191203", "null", "{}", "\"2019-12-03\""] {
            assert!(serde_json::from_str::<DateTimeOffset>(json).is_err(), "{json}");
        }
        let err = DateTimeOffset::parse(&"9".repeat(100)).expect_err("long");
        assert_eq!(err.input(), "9".repeat(64));
        assert!(err.to_string().starts_with("invalid Edm.DateTimeOffset \"9999"), "{err}");
    }

    #[test]
    fn date_and_time_of_day_round_trip_and_reject() {
        assert_round_trips::<Date>(&["2024-02-29", "0001-01-01", "-0044-03-15", "9999-12-31"]);
        assert_eq!(Date::parse("2024-02-29").map(|d| d.as_date()), Ok(date!(2024 - 02 - 29)));
        assert_eq!(Date::from(date!(2024 - 01 - 05)).to_string(), "2024-01-05");
        assert_rejects::<Date>("Edm.Date", &["", "2023-02-29", "2024-1-01", "-0000-01-01"]);
        assert_rejects::<Date>("Edm.Date", &["2024-01-01T00:00Z", "+2024-01-01", "2024-01-01 "]);
        assert!(serde_json::from_str::<Date>("20240101").is_err());

        assert_round_trips::<TimeOfDay>(&["13:45:00", "13:45:00.5000000", "23:59:59.999999999", "07:05"]);
        let t = TimeOfDay::parse("13:45:00.5000000").expect("parse");
        assert_eq!((t.as_time(), t), (time!(13:45:00.5), TimeOfDay::from(time!(13:45:00.5))));
        assert_eq!(TimeOfDay::from(time!(13:45:00.5)).to_string(), "13:45:00.5");
        assert_eq!(TimeOfDay::from(time!(07:05)).to_string(), "07:05:00");
        let bad = ["", "24:00:00", "12:60:00", "12:00:00.1234567890", "12:00:00.", "noon", "1:00"];
        assert_rejects::<TimeOfDay>("Edm.TimeOfDay", &bad);
    }

    #[test]
    fn duration_parses_round_trips_and_compares_lengths() {
        let (day, hour, ns) = (time::Duration::DAY, time::Duration::HOUR, time::Duration::NANOSECOND);
        for (text, value) in [
            ("P1DT2H3M4.5S", day + 2 * hour + time::Duration::milliseconds(184_500)),
            ("PT0S", time::Duration::ZERO),
            ("-PT1.0000001S", -1_000_000_100 * ns),
            ("P12D", 12 * day),
            ("PT36H", 36 * hour),
            ("+PT1M", time::Duration::MINUTE),
            ("-P1DT0.000000001S", -(day + ns)),
        ] {
            assert_eq!(Duration::parse(text).map(|d| d.as_duration()), Ok(value), "{text}");
            assert_round_trips::<Duration>(&[text]);
        }
        assert_eq!(Duration::parse("PT60S"), Duration::parse("PT1M"));
        assert_eq!(Duration::parse("-PT0S"), Duration::parse("PT0S"));
    }

    #[test]
    fn duration_from_time_is_canonical_and_calendar_units_are_rejected() {
        let ms = time::Duration::milliseconds;
        for (value, text) in [
            (time::Duration::ZERO, "PT0S"),
            (time::Duration::DAY, "P1D"),
            (-ms(90_250), "-PT1M30.25S"),
            (ms(93_784_500), "P1DT2H3M4.5S"),
            (time::Duration::HOUR + 100 * time::Duration::NANOSECOND, "PT1H0.0000001S"),
        ] {
            assert_eq!(Duration::from(value).to_string(), text);
            assert_eq!(Duration::parse(text).map(|d| d.as_duration()), Ok(value));
        }
        let e = "Edm.Duration";
        assert_rejects::<Duration>(e, &["P1Y", "P1M", "P2W", "P", "PT", "P1DT", "1D", "PT1.S", "PT1S "]);
        assert_rejects::<Duration>(e, &["PT1H1H", "PT1M1H", "PT1.5M", "PT1.0000000001S"]);
        assert_rejects::<Duration>(e, &["P99999999999999999999D", "P9999999999999999999D"]);
        assert!(Duration::parse("P1Y").expect_err("P1Y").reason().contains("years"));
    }

    #[test]
    fn binary_accepts_both_alphabets_with_and_without_padding() {
        let bytes = vec![0xfb, 0xff, 0xbf, 0x01];
        for text in ["-_-_AQ==", "-_-_AQ", "+/+/AQ==", "+/+/AQ"] {
            assert_eq!(Binary::parse(text).map(Binary::into_bytes), Ok(bytes.clone()), "{text}");
            let written = serde_json::to_string(&Binary::parse(text).expect(text)).expect(text);
            assert_eq!(written, "\"-_-_AQ==\"");
        }
        assert_eq!(Binary::from(bytes.clone()).as_bytes(), bytes.as_slice());
        assert_eq!(Binary::parse("").map(Binary::into_bytes), Ok(Vec::new()));
        assert_rejects::<Binary>("Edm.Binary", &["!!!!", "A", "AQ=A", "AR==", "-_-_A Q=="]);
    }

    fn decimal_json(json: &str) -> String {
        let value: Decimal = serde_json::from_str(json).expect(json);
        serde_json::to_string(&value).expect(json)
    }

    #[test]
    fn decimal_keeps_exact_text() {
        let exact = "\"12345678901234567890.123456789\"";
        assert_eq!(decimal_json(exact), exact);
        for json in ["9007199254740993", "-9223372036854775808", "18446744073709551615", "0"] {
            assert_eq!(decimal_json(json), json);
            assert_eq!(serde_json::from_str::<Decimal>(json).expect(json).as_str(), json);
        }
        for (json, written) in
            [("0.1", "0.1"), ("1.0", "1.0"), ("1e2", "100.0"), ("1e300", "1e+300"), ("-25E-4", "-0.0025")]
        {
            assert_eq!(decimal_json(json), written);
        }
        let d: Decimal = "-1.25e2".parse().expect("parse");
        assert_eq!((d.as_str(), d.to_f64()), ("-1.25e2", -125.0));
        assert_eq!(serde_json::to_string(&d).expect("ser"), "\"-1.25e2\"");
    }

    #[test]
    fn decimal_compares_values_and_rejects_non_decimals() {
        let p = |s: &str| Decimal::parse(s).expect(s);
        assert_eq!((p("1.50"), p("0")), (p("15e-1"), p("-0.000")));
        assert_eq!(p("100"), Decimal::from(100u64));
        assert_ne!((p("1.5"), p("10")), (p("-1.5"), p("1")));
        let set: HashSet<_> = [p("2.0"), p("2"), p("0.2e1")].into();
        assert_eq!(set.len(), 1);
        let e = "Edm.Decimal";
        assert_rejects::<Decimal>(e, &["", "1.2.3", "1.", ".5", "+1", "1e", "1e+", "abc", "NaN"]);
        assert_rejects::<Decimal>(e, &["1_000", "1e1234567890", "--1", "1 "]);
        for json in ["true", "null", "\"1,5\"", "[1]"] {
            assert!(serde_json::from_str::<Decimal>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn guid_uses_the_odata_wire_form() {
        let text = "5ba3b2d5-7b4e-4b52-9a4f-2f3b0a9e7c11";
        let guid: Guid = serde_json::from_str(&format!("\"{text}\"")).expect("guid");
        assert_eq!(guid.to_string(), text);
    }
}
