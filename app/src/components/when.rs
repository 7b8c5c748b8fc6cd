//! Instants as an admin reads and enters them: in the admin's own time zone once the page runs in
//! their browser, in UTC (and labelled so) while it is rendered on the server, which cannot know
//! the zone. The API always speaks UTC.

use leptos::prelude::*;

use crate::dto::Timestamp;

/// Whether the browser's clock is available: `false` on the server and during hydration (so the
/// hydrated text matches the server's), `true` right after.
#[derive(Clone, Copy)]
pub struct LocalClock(pub RwSignal<bool>);

impl LocalClock {
    /// Provides the clock to a page's components; it switches to local time once hydrated.
    pub fn provide() -> Self {
        let clock = LocalClock(RwSignal::new(false));
        // After hydration, and after the hydration of every Suspense below (their resolved
        // resources finish in microtasks): a timer runs after those, so no text is already local
        // while the server's UTC text is still being hydrated.
        Effect::new(move |_| {
            set_timeout(move || clock.0.set(true), std::time::Duration::ZERO);
        });
        provide_context(clock);
        clock
    }

    pub fn get() -> Self {
        use_context::<LocalClock>().unwrap_or_else(|| LocalClock(RwSignal::new(false)))
    }

    pub fn is_local(&self) -> bool {
        self.0.get()
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// The calendar fields of an instant: year, month (1–12), day, hour, minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
}

fn utc_fields(ts: &Timestamp) -> Fields {
    let at = ts.inner().to_offset(time::UtcOffset::UTC);
    Fields { year: at.year(), month: u8::from(at.month()), day: at.day(), hour: at.hour(), minute: at.minute() }
}

#[cfg(feature = "hydrate")]
fn local_fields(ts: &Timestamp) -> Fields {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ts.as_millis() as f64));
    Fields {
        year: date.get_full_year() as i32,
        month: (date.get_month() + 1) as u8,
        day: date.get_date() as u8,
        hour: date.get_hours() as u8,
        minute: date.get_minutes() as u8,
    }
}

#[cfg(not(feature = "hydrate"))]
fn local_fields(ts: &Timestamp) -> Fields {
    utc_fields(ts)
}

fn fields(ts: &Timestamp, local: bool) -> Fields {
    if local { local_fields(ts) } else { utc_fields(ts) }
}

/// `12 May 2026`.
pub fn date_label(ts: &Timestamp, local: bool) -> String {
    let f = fields(ts, local);
    format!("{} {} {}", f.day, MONTHS[usize::from(f.month.clamp(1, 12) - 1)], f.year)
}

/// `14:05`, with ` UTC` when not in the admin's zone.
pub fn time_label(ts: &Timestamp, local: bool) -> String {
    let f = fields(ts, local);
    format!("{:02}:{:02}{}", f.hour, f.minute, if local { "" } else { " UTC" })
}

/// `12 May 2026, 14:05`.
pub fn date_time_label(ts: &Timestamp, local: bool) -> String {
    format!("{}, {}", date_label(ts, local), time_label(ts, local))
}

/// The value of an `<input type="datetime-local">` showing `ts` in the admin's zone.
pub fn to_input_value(ts: &Timestamp) -> String {
    let f = local_fields(ts);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}", f.year, f.month, f.day, f.hour, f.minute)
}

/// Reads `YYYY-MM-DDTHH:MM[:SS]` as the calendar fields it names.
pub fn parse_input_fields(raw: &str) -> Option<(Fields, u8)> {
    let (date, time) = raw.trim().split_once('T')?;
    let mut d = date.split('-');
    let year = d.next()?.parse().ok()?;
    let month = d.next()?.parse().ok()?;
    let day = d.next()?.parse().ok()?;
    let mut t = time.split(':');
    let hour = t.next()?.parse().ok()?;
    let minute = t.next()?.parse().ok()?;
    let second = t.next().map(|s| s.split('.').next().unwrap_or("0").parse().ok()).unwrap_or(Some(0))?;
    Some((Fields { year, month, day, hour, minute }, second))
}

/// An `<input type="datetime-local">` value, in the admin's zone, as the RFC 3339 UTC instant the
/// API stores. Empty is `None`. What cannot be read is passed on unchanged, so the shared
/// validation names the problem in its own words.
pub fn from_input_value(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    Some(local_to_utc(raw).unwrap_or_else(|| raw.to_owned()))
}

#[cfg(feature = "hydrate")]
fn local_to_utc(raw: &str) -> Option<String> {
    let (f, second) = parse_input_fields(raw)?;
    let date = js_sys::Date::new_with_year_month_day_hr_min_sec(
        f.year as u32,
        i32::from(f.month) - 1,
        i32::from(f.day),
        i32::from(f.hour),
        i32::from(f.minute),
        i32::from(second),
    );
    if date.get_time().is_nan() {
        return None;
    }
    // Out-of-range fields (31 Feb) roll over in `Date`; refuse them instead.
    if (date.get_month() + 1) as u8 != f.month || date.get_date() as u8 != f.day {
        return None;
    }
    date.to_iso_string().as_string()
}

#[cfg(not(feature = "hydrate"))]
fn local_to_utc(raw: &str) -> Option<String> {
    let (f, second) = parse_input_fields(raw)?;
    Some(format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", f.year, f.month, f.day, f.hour, f.minute, second))
}

/// Milliseconds since the epoch, now.
pub fn now_millis() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Timestamp::now().as_millis()
    }
}

/// The admin's zone as the browser names it (`Europe/Paris`), for labels; `UTC` on the server.
pub fn zone_name(local: bool) -> String {
    #[cfg(feature = "hydrate")]
    if local {
        let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
        if let Ok(zone) = js_sys::Reflect::get(&options, &wasm_bindgen::JsValue::from_str("timeZone"))
            && let Some(zone) = zone.as_string()
        {
            return zone;
        }
    }
    let _ = local;
    "UTC".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_utc_say_so() {
        let ts = Timestamp::parse("2026-05-12T14:05:00Z").unwrap();
        assert_eq!(date_time_label(&ts, false), "12 May 2026, 14:05 UTC");
    }

    #[test]
    fn input_values_round_trip_on_the_server_side() {
        let ts = Timestamp::parse("2026-05-12T14:05:00Z").unwrap();
        assert_eq!(to_input_value(&ts), "2026-05-12T14:05");
        assert_eq!(from_input_value("2026-05-12T14:05").as_deref(), Some("2026-05-12T14:05:00Z"));
        assert_eq!(from_input_value("  "), None);
        assert_eq!(from_input_value("soon").as_deref(), Some("soon"));
    }
}
