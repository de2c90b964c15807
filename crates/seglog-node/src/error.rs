//! The one place where core errors become JS errors. Every error thrown or rejected by the addon
//! carries a stable `code` (`SEGLOG_*`, from `seglog::Error::code`) and a message naming the
//! failed check and the values seen.

use napi::{Env, JsError};

pub(crate) fn to_js(err: seglog::Error) -> napi::Error<String> {
    napi::Error::new(err.code().to_string(), err.to_string())
}

/// napi's own failures (argument conversion, buffer creation) keep their status as the code.
pub(crate) fn from_napi(err: napi::Error) -> napi::Error<String> {
    napi::Error::new(
        format!("SEGLOG_NAPI_{}", err.status.as_ref().to_uppercase()),
        err.reason.clone(),
    )
}

/// For an AsyncTask's `resolve`: builds the JS error object with its code on the JS thread and
/// wraps it, so the promise rejects with that object (napi's task errors carry only a Status).
pub(crate) fn reject(env: Env, err: seglog::Error) -> napi::Error {
    let js = JsError::from(to_js(err)).into_unknown(env);
    napi::Error::from(js)
}

pub(crate) fn poisoned(dir: &str) -> napi::Error<String> {
    napi::Error::new(
        "SEGLOG_IO".to_string(),
        format!(
            "the log at {dir} is unusable: an earlier operation panicked while holding its lock"
        ),
    )
}
