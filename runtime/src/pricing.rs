//! Token prices used to meter turns in `usd`: US dollars per million tokens, input and output,
//! by provider-side model name. Cached input tokens are charged at the input price. A model
//! missing from the table costs nothing in `usd` (its tokens are still counted in `tokens`).
//!
//! | Model (name or prefix) | Input $/M | Output $/M |
//! |---|---|---|
//! | `gpt-4.1-nano` | 0.10 | 0.40 |
//! | `gpt-4.1-mini` | 0.40 | 1.60 |
//! | `gpt-4.1` | 2.00 | 8.00 |
//! | `gpt-4o-mini` | 0.15 | 0.60 |
//! | `gpt-4o` | 2.50 | 10.00 |
//! | `claude-haiku-4-5` | 1.00 | 5.00 |
//! | `claude-sonnet-4` | 3.00 | 15.00 |
//! | `claude-opus-4` | 15.00 | 75.00 |
//! | `llmsim-model` (the simulator; a test price) | 1.00 | 2.00 |

use everruns_core::TokenUsage;

/// `(name or prefix, input $/M, output $/M)`, most specific first.
pub const PRICES: &[(&str, f64, f64)] = &[
    ("gpt-4.1-nano", 0.10, 0.40),
    ("gpt-4.1-mini", 0.40, 1.60),
    ("gpt-4.1", 2.00, 8.00),
    ("gpt-4o-mini", 0.15, 0.60),
    ("gpt-4o", 2.50, 10.00),
    ("claude-haiku-4-5", 1.00, 5.00),
    ("claude-sonnet-4", 3.00, 15.00),
    ("claude-opus-4", 15.00, 75.00),
    ("llmsim-model", 1.00, 2.00),
];

/// Prices of a model: `(input, output)` dollars per million tokens.
pub fn price(model: &str) -> Option<(f64, f64)> {
    PRICES
        .iter()
        .find(|(name, _, _)| model.starts_with(name))
        .map(|&(_, i, o)| (i, o))
}

/// Every token of a call: input (with cache buckets) plus output.
pub fn total_tokens(u: &TokenUsage) -> u64 {
    u.input_tokens
        + u.output_tokens
        + u.cache_read_tokens.unwrap_or(0)
        + u.cache_creation_tokens.unwrap_or(0)
}

/// Cost of a call in micro-dollars (millionths of a dollar); `None` for an unpriced model.
pub fn cost_micro_usd(model: &str, u: &TokenUsage) -> Option<i64> {
    let (input, output) = price(model)?;
    let inputs =
        u.input_tokens + u.cache_read_tokens.unwrap_or(0) + u.cache_creation_tokens.unwrap_or(0);
    // $/M tokens × tokens = micro-dollars
    Some((inputs as f64 * input + u.output_tokens as f64 * output).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_costs() {
        assert_eq!(price("gpt-4.1-mini-2025-04-14"), Some((0.40, 1.60)));
        assert_eq!(price("gpt-4.1"), Some((2.0, 8.0)));
        assert_eq!(price("unknown"), None);
        let u = TokenUsage {
            input_tokens: 1000,
            output_tokens: 500,
            ..Default::default()
        };
        // 1000 × $1/M + 500 × $2/M = $0.002 = 2000 micro-dollars
        assert_eq!(cost_micro_usd("llmsim-model", &u), Some(2000));
        assert_eq!(total_tokens(&u), 1500);
        assert_eq!(cost_micro_usd("mystery", &u), None);
    }
}
