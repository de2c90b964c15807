//! Deterministic inputs for codec tests: incompressible noise and JSON-like records that compress
//! about as well as real event payloads (repeated keys, varying values).

/// xorshift64*: deterministic, dependency-free, good enough to defeat compressors.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

pub(crate) fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    out.truncate(len);
    out
}

/// `len` bytes of newline-separated JSON objects shaped like application events.
pub(crate) fn json_records(len: usize, seed: u64) -> Vec<u8> {
    const EVENTS: [&str; 5] = ["page_view", "add_to_cart", "checkout", "login", "search"];
    const COUNTRIES: [&str; 6] = ["DE", "US", "FR", "JP", "BR", "IN"];
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(len + 256);
    let mut id = 1_000_000u64;
    while out.len() < len {
        id += 1 + rng.below(5);
        let line = format!(
            "{{\"id\":{id},\"user\":\"user-{:06}\",\"event\":\"{}\",\"country\":\"{}\",\"ts\":{},\"amount\":{}.{:02},\"session\":\"{:016x}\"}}\n",
            rng.below(50_000),
            EVENTS[rng.below(EVENTS.len() as u64) as usize],
            COUNTRIES[rng.below(COUNTRIES.len() as u64) as usize],
            1_700_000_000_000u64 + id * 13,
            rng.below(500),
            rng.below(100),
            rng.next_u64(),
        );
        out.extend_from_slice(line.as_bytes());
    }
    out.truncate(len);
    out
}
