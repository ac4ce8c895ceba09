//! The work of a render that minijinja's fuel does not see: a filter (`join`, `sort`, `map`,
//! ...) is one instruction however long its input, so a loop of 5,000 iterations each sorting a
//! list of 1,000 items used a few units of fuel per iteration and a third of a second. Every
//! built-in filter is wrapped here so that it charges the size of its inputs and its result to
//! the render's work budget, [`WORK_LIMIT`]; and `range()` is bounded by [`RANGE_LIMIT`].
//!
//! The budget lives in a thread-local: minijinja renders synchronously on the caller's thread,
//! and [`start`] resets it at the beginning of each render.

use minijinja::value::{Rest, Value};
use minijinja::{Environment, Error, ErrorKind, State};
use std::cell::Cell;

/// The most units of filter work one render may do: one unit per item of a list or map that a
/// filter reads or returns, and one per [`BYTES_PER_UNIT`] bytes of text. A unit costs 12 to 42 ns
/// (measured in release mode: `sort` and `join` over 1,000 numbers; see `RENDER_FUEL`), so the
/// budget is at most about 2 ms of filter work.
pub const WORK_LIMIT: usize = 50_000;

/// How many bytes of text count as one unit of work (text is much cheaper to copy than items).
pub const BYTES_PER_UNIT: usize = 32;

/// The most items `range()` yields in a template (minijinja's own cap is 100,000).
pub const RANGE_LIMIT: usize = 1_000;

/// Words that the `range()` refusal contains, so that a caller can tell it is a limit.
pub(super) const RANGE_LIMIT_WORDS: &str = "item limit of range()";

thread_local! {
    /// The units of work charged by the render running on this thread.
    static WORK: Cell<usize> = const { Cell::new(0) };
}

/// Resets the work of the render about to start on this thread.
pub(super) fn start() {
    WORK.with(|w| w.set(0));
}

/// Whether the render on this thread went over [`WORK_LIMIT`].
pub(super) fn exceeded() -> bool {
    WORK.with(|w| w.get() > WORK_LIMIT)
}

/// The units of work a value stands for.
fn units(value: &Value) -> usize {
    if let Some(text) = value.as_str() {
        return text.len() / BYTES_PER_UNIT;
    }
    if let Some(len) = value.len() {
        return len;
    }
    // A lazy sequence (a `map` or `chain` result) has no length until it is walked.
    value.try_iter().map(Iterator::count).unwrap_or(0)
}

/// Adds `n` units to the render's work; an error once over [`WORK_LIMIT`].
fn charge(n: usize) -> Result<(), Error> {
    let total = WORK.with(|w| {
        let total = w.get().saturating_add(n);
        w.set(total);
        total
    });
    if total > WORK_LIMIT {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "the render's filter work is over its limit",
        ));
    }
    Ok(())
}

/// Registers `filter` under `name` so that it charges its arguments and its result.
fn metered(env: &mut Environment<'static>, name: &'static str, filter: Value) {
    env.add_filter(name, move |state: &State, args: Rest<Value>| {
        charge(args.iter().map(units).sum())?;
        let result = filter.call(state, &args)?;
        charge(units(&result))?;
        Ok(result)
    });
}

/// Wraps each built-in filter (as minijinja 2 registers them with the `builtins` feature).
pub(super) fn meter_filters(env: &mut Environment<'static>) {
    use minijinja::filters as f;
    macro_rules! meter {
        ($($name:literal => $filter:path),* $(,)?) => {
            $( metered(env, $name, Value::from_function($filter)); )*
        };
    }
    meter! {
        "safe" => f::safe, "escape" => f::escape, "e" => f::escape,
        "lower" => f::lower, "upper" => f::upper, "title" => f::title,
        "capitalize" => f::capitalize, "replace" => f::replace, "length" => f::length,
        "count" => f::length, "dictsort" => f::dictsort, "items" => f::items,
        "reverse" => f::reverse, "trim" => f::trim, "join" => f::join, "split" => f::split,
        "lines" => f::lines, "default" => f::default, "d" => f::default, "round" => f::round,
        "abs" => f::abs, "int" => f::int, "float" => f::float, "attr" => f::attr,
        "first" => f::first, "last" => f::last, "min" => f::min, "max" => f::max,
        "sort" => f::sort, "list" => f::list, "string" => f::string, "bool" => f::bool,
        "batch" => f::batch, "slice" => f::slice, "sum" => f::sum, "indent" => f::indent,
        "select" => f::select, "reject" => f::reject, "selectattr" => f::selectattr,
        "rejectattr" => f::rejectattr, "map" => f::map, "groupby" => f::groupby,
        "unique" => f::unique, "chain" => f::chain, "zip" => f::zip, "pprint" => f::pprint,
        "format" => f::format,
    }
}

/// `range()` as minijinja has it (a list of integers), refusing more than [`RANGE_LIMIT`]
/// items.
pub(super) fn bounded_range(
    lower: i64,
    upper: Option<i64>,
    step: Option<i64>,
) -> Result<Value, Error> {
    let (start, end) = match upper {
        Some(upper) => (lower, upper),
        None => (0, lower),
    };
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "cannot create range with step of 0",
        ));
    }
    let span = i128::from(end) - i128::from(start);
    let items = if span == 0 || (span > 0) != (step > 0) {
        0
    } else {
        let step = i128::from(step).abs();
        (span.abs() + step - 1) / step
    };
    if items > RANGE_LIMIT as i128 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "range() of {} items, over the {}-{RANGE_LIMIT_WORDS} in a template",
                super::grouped(usize::try_from(items).unwrap_or(usize::MAX)),
                super::grouped(RANGE_LIMIT)
            ),
        ));
    }
    // Every value lies between `start` and `end`, so it fits an i64.
    let values: Vec<i64> = (0..items)
        .map(|i| (i128::from(start) + i128::from(step) * i) as i64)
        .collect();
    Ok(Value::from(values))
}
