//! Throttling of failed sign-ins: admin logins per normalized email and per client address, API
//! key exchanges per key prefix and per client address.
//!
//! A key's failures are counted until [`Policy::quiet_period`] has passed without one (counted
//! from the end of any lock-out). The first [`Policy::free_failures`] cost nothing; the failure
//! that reaches that number locks the key for [`Policy::first_lockout`], and each further one
//! (possible only once the lock-out is over) doubles it, up to [`Policy::max_lockout`]. While a
//! key is locked every attempt is refused before any credential is looked at, so the answer
//! cannot tell an existing account from a missing one, and it costs no password hash. A success
//! forgets the subject's failures (not the address's: signing in to one's own account must not
//! clear the failures an address made against others).
//!
//! The counters live in this process's memory: with several replicas each counts on its own, so
//! an attacker spreading attempts over N replicas gets N times the figures below.
//!
//! With [`Policy::PER_SUBJECT`] an attacker who waits out every lock-out gets 5 attempts at once,
//! then one after 1, 2, 4, 8 and 15 minutes (the cap): 11 in the first hour, 4 in each hour after.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Where "now" comes from, so tests can move time.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to (tests).
pub struct ManualClock {
    now: Mutex<Instant>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self { now: Mutex::new(Instant::now()) }
    }
}

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        *self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// How many failures a key may have, and how long it is locked after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub free_failures: u32,
    pub quiet_period: Duration,
    pub first_lockout: Duration,
    pub max_lockout: Duration,
}

impl Policy {
    /// One email, one API key prefix: 5 failures, then 1, 2, 4, 8, 15, 15 ... minutes.
    pub const PER_SUBJECT: Policy = Policy {
        free_failures: 5,
        quiet_period: Duration::from_secs(15 * 60),
        first_lockout: Duration::from_secs(60),
        max_lockout: Duration::from_secs(15 * 60),
    };
    /// One client address (people behind one NAT share it): 20 failures, then the same back-off.
    pub const PER_ADDRESS: Policy = Policy { free_failures: 20, ..Policy::PER_SUBJECT };

    /// The lock-out after the `failures`-th failure, if any.
    pub fn lockout(&self, failures: u32) -> Option<Duration> {
        let beyond = failures.checked_sub(self.free_failures)?;
        let factor = 1u32.checked_shl(beyond.min(31)).unwrap_or(u32::MAX);
        Some(self.first_lockout.saturating_mul(factor).min(self.max_lockout))
    }
}

/// A refusal: how long until the key may try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    pub retry_after: Duration,
}

impl Locked {
    /// Whole seconds, rounded up, at least 1: what `Retry-After` says.
    pub fn retry_after_secs(&self) -> u64 {
        let secs = self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0);
        secs.max(1)
    }

    fn longest(a: Option<Locked>, b: Option<Locked>) -> Option<Locked> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if a.retry_after >= b.retry_after { a } else { b }),
            (a, b) => a.or(b),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: Instant,
    locked_until: Option<Instant>,
}

impl Entry {
    fn quiet_since(&self) -> Instant {
        self.locked_until.map_or(self.last_failure, |until| until.max(self.last_failure))
    }
}

/// Failure counters for one kind of key.
pub struct Throttle {
    policy: Policy,
    clock: Arc<dyn Clock>,
    entries: Mutex<HashMap<String, Entry>>,
}

impl Throttle {
    /// Keys tracked at most; beyond, expired keys are dropped, then the longest-quiet one.
    const CAPACITY: usize = 100_000;

    pub fn new(policy: Policy, clock: Arc<dyn Clock>) -> Self {
        Self { policy, clock, entries: Mutex::default() }
    }

    fn live_entry<'a>(&self, entries: &'a mut HashMap<String, Entry>, key: &str, now: Instant) -> Option<&'a mut Entry> {
        let expired = entries.get(key).is_some_and(|entry| now.saturating_duration_since(entry.quiet_since()) >= self.policy.quiet_period);
        if expired {
            entries.remove(key);
        }
        entries.get_mut(key)
    }

    /// `Err` while the key is locked.
    pub fn check(&self, key: &str) -> Result<(), Locked> {
        let now = self.clock.now();
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match self.live_entry(&mut entries, key, now).and_then(|entry| entry.locked_until) {
            Some(until) if until > now => Err(Locked { retry_after: until - now }),
            _ => Ok(()),
        }
    }

    /// Counts a failure; `Some` when it locks the key (the lock-out it starts).
    pub fn fail(&self, key: &str) -> Option<Locked> {
        let now = self.clock.now();
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.live_entry(&mut entries, key, now).is_none() && entries.len() >= Self::CAPACITY {
            self.make_room(&mut entries, now);
        }
        let entry = entries.entry(key.to_owned()).or_insert(Entry { failures: 0, last_failure: now, locked_until: None });
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure = now;
        let lockout = self.policy.lockout(entry.failures)?;
        entry.locked_until = Some(now + lockout);
        Some(Locked { retry_after: lockout })
    }

    /// The failures counted for the key now.
    pub fn failures(&self, key: &str) -> u32 {
        let now = self.clock.now();
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.live_entry(&mut entries, key, now).map_or(0, |entry| entry.failures)
    }

    /// Forgets the key's failures.
    pub fn succeed(&self, key: &str) {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key);
    }

    fn make_room(&self, entries: &mut HashMap<String, Entry>, now: Instant) {
        let quiet = self.policy.quiet_period;
        entries.retain(|_, entry| now.saturating_duration_since(entry.quiet_since()) < quiet);
        if entries.len() >= Self::CAPACITY
            && let Some(oldest) = entries.iter().min_by_key(|(_, entry)| entry.quiet_since()).map(|(key, _)| key.clone())
        {
            entries.remove(&oldest);
        }
    }
}

/// What one failed attempt started: the subject's and the address's new lock-outs, if any.
#[derive(Debug, Clone, Copy, Default)]
pub struct Failure {
    pub subject_locked: Option<Locked>,
    pub address_locked: Option<Locked>,
}

/// A subject throttle and an address throttle, consulted together.
pub struct SignInThrottle {
    pub subject: Throttle,
    pub address: Throttle,
}

impl SignInThrottle {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { subject: Throttle::new(Policy::PER_SUBJECT, clock.clone()), address: Throttle::new(Policy::PER_ADDRESS, clock) }
    }

    /// `Err` (the longer wait) while the subject or the address is locked. `subject` is `None`
    /// when the attempt names none that could exist (an API key of the wrong format).
    pub fn check(&self, subject: Option<&str>, address: &str) -> Result<(), Locked> {
        let by_subject = subject.and_then(|subject| self.subject.check(subject).err());
        match Locked::longest(by_subject, self.address.check(address).err()) {
            Some(locked) => Err(locked),
            None => Ok(()),
        }
    }

    pub fn fail(&self, subject: Option<&str>, address: &str) -> Failure {
        Failure { subject_locked: subject.and_then(|subject| self.subject.fail(subject)), address_locked: self.address.fail(address) }
    }

    pub fn succeed(&self, subject: &str) {
        self.subject.succeed(subject);
    }

    pub fn subject_failures(&self, subject: &str) -> u32 {
        self.subject.failures(subject)
    }
}

/// The throttles of the two sign-ins.
pub struct Throttles {
    /// `POST /portal/v1/auth/login`: per normalized email, per client address.
    pub login: SignInThrottle,
    /// `POST /api/v1/auth/token`: per API key prefix, per client address.
    pub key_exchange: SignInThrottle,
}

impl Throttles {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { login: SignInThrottle::new(clock.clone()), key_exchange: SignInThrottle::new(clock) }
    }
}

impl Default for Throttles {
    fn default() -> Self {
        Self::new(Arc::new(SystemClock))
    }
}

/// The address key: an IPv4 address, or an IPv6 address's /64 (one subscriber's usual share, so
/// that walking through one's own /64 does not reset the count). `None` (no peer address: an
/// in-process call) is one shared key.
pub fn address_key(address: Option<IpAddr>) -> String {
    match address.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let segments = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", segments[0], segments[1], segments[2], segments[3])
        }
        None => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(policy: Policy) -> (Arc<ManualClock>, Throttle) {
        let clock = Arc::new(ManualClock::default());
        (clock.clone(), Throttle::new(policy, clock))
    }

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn five_failures_lock_for_a_minute_then_the_lockout_doubles_up_to_fifteen_minutes() {
        let (clock, throttle) = throttle(Policy::PER_SUBJECT);
        for _ in 0..4 {
            assert_eq!(throttle.fail("a@b.example"), None);
            assert_eq!(throttle.check("a@b.example"), Ok(()));
        }
        assert_eq!(throttle.fail("a@b.example"), Some(Locked { retry_after: MINUTE }));
        assert_eq!(throttle.check("a@b.example"), Err(Locked { retry_after: MINUTE }));
        clock.advance(Duration::from_secs(59));
        assert_eq!(throttle.check("a@b.example"), Err(Locked { retry_after: Duration::from_secs(1) }));
        clock.advance(Duration::from_secs(1));
        assert_eq!(throttle.check("a@b.example"), Ok(()));

        let mut lockouts = Vec::new();
        for _ in 0..6 {
            let locked = throttle.fail("a@b.example").expect("every failure beyond the fifth locks");
            lockouts.push(locked.retry_after.as_secs() / 60);
            clock.advance(locked.retry_after);
        }
        assert_eq!(lockouts, [2, 4, 8, 15, 15, 15]);
        // Another key is untouched.
        assert_eq!(throttle.check("other@b.example"), Ok(()));
    }

    #[test]
    fn failures_are_forgotten_after_fifteen_quiet_minutes_counted_from_the_end_of_the_lockout() {
        let (clock, throttle) = throttle(Policy::PER_SUBJECT);
        for _ in 0..5 {
            throttle.fail("k");
        }
        // Locked for 1 minute; 15 quiet minutes after that the count starts again.
        clock.advance(MINUTE + Duration::from_secs(14 * 60));
        assert_eq!(throttle.fail("k"), Some(Locked { retry_after: 2 * MINUTE }), "still counted 1 s before the quiet period ends");
        clock.advance(2 * MINUTE + 15 * MINUTE);
        for _ in 0..4 {
            assert_eq!(throttle.fail("k"), None);
        }
        assert_eq!(throttle.fail("k"), Some(Locked { retry_after: MINUTE }));
    }

    #[test]
    fn a_success_forgets_the_subject_but_not_the_address() {
        let clock = Arc::new(ManualClock::default());
        let pair = SignInThrottle::new(clock.clone());
        for _ in 0..4 {
            pair.fail(Some("victim@b.example"), "10.0.0.1");
        }
        pair.succeed("victim@b.example");
        for _ in 0..4 {
            assert!(pair.fail(Some("victim@b.example"), "10.0.0.1").subject_locked.is_none());
        }
        // 8 failures from the address so far; 20 lock it whatever the emails.
        for n in 0..12 {
            let failure = pair.fail(Some(&format!("spray{n}@b.example")), "10.0.0.1");
            assert_eq!(failure.address_locked.is_some(), n == 11, "failure {}", n + 9);
        }
        assert_eq!(pair.check(Some("fresh@b.example"), "10.0.0.1"), Err(Locked { retry_after: MINUTE }));
        assert_eq!(pair.check(Some("fresh@b.example"), "10.0.0.2"), Ok(()));
    }

    #[test]
    fn the_longer_of_the_two_waits_is_the_answer() {
        let clock = Arc::new(ManualClock::default());
        let pair = SignInThrottle::new(clock.clone());
        for _ in 0..6 {
            pair.fail(Some("s"), "a");
            clock.advance(MINUTE);
        }
        // The subject is locked for 2 minutes from the sixth failure (1 minute ago).
        assert_eq!(pair.check(Some("s"), "b"), Err(Locked { retry_after: MINUTE }));
        assert_eq!(pair.check(None, "b"), Ok(()));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(Locked { retry_after: Duration::from_millis(1) }.retry_after_secs(), 1);
        assert_eq!(Locked { retry_after: Duration::from_millis(60_001) }.retry_after_secs(), 61);
        assert_eq!(Locked { retry_after: MINUTE }.retry_after_secs(), 60);
    }

    #[test]
    fn ipv6_addresses_share_their_64_and_mapped_ipv4_is_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(address_key(Some(a)), "2001:db8:1:2::/64");
        assert_eq!(address_key(Some(a)), address_key(Some(b)));
        assert_eq!(address_key(Some("::ffff:192.0.2.7".parse().unwrap())), "192.0.2.7");
        assert_eq!(address_key(None), "unknown");
    }

    #[test]
    fn the_table_stays_bounded() {
        let (_clock, throttle) = throttle(Policy::PER_SUBJECT);
        for n in 0..Throttle::CAPACITY + 10 {
            throttle.fail(&format!("k{n}"));
        }
        assert_eq!(throttle.entries.lock().unwrap().len(), Throttle::CAPACITY);
    }
}
