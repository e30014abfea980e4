//! The self-contained HTML report (`templates/report.html.tera`): inline CSS and SVG,
//! nothing loaded from elsewhere, every user string escaped by tera's HTML autoescape.

use super::{Render, View};
use crate::error::{Error, Result};
use serde_json::json;

const TEMPLATE: &str = include_str!("../../templates/report.html.tera");

/// The HTML report.
pub struct Html;

impl Render for Html {
    fn render(&self, view: &View) -> Result<String> {
        let mut tera = tera::Tera::default();
        // The `.html` name turns on tera's autoescaping for every `{{ }}`.
        tera.add_raw_template("report.html", TEMPLATE)
            .map_err(|e| render_error(&e))?;
        let mut ctx = tera::Context::new();
        ctx.insert("result", &view.result);
        ctx.insert(
            "current_only",
            &view
                .current_only
                .iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect::<Vec<_>>(),
        );
        ctx.insert("environment", &view.environment);
        ctx.insert("run_url", &view.run_url);
        ctx.insert("version", env!("CARGO_PKG_VERSION"));
        tera.render("report.html", &ctx)
            .map_err(|e| render_error(&e))
    }
}

fn render_error(e: &tera::Error) -> Error {
    let mut reason = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        src = s.source();
    }
    Error::Render {
        name: "report.html".into(),
        reason,
    }
}
