//! Checking a custom field definition as an administrator wrote it: every
//! broken rule is reported (named `<prefix>key`, `<prefix>pattern` …), and
//! a valid one comes back as stored columns plus the compiled validator.

use serde_json::Value;

use crate::db::queries::asset_types::FieldData;
use crate::domain::inventory::FieldId;
use crate::domain::inventory::fields::{FieldDef, FieldKind, MAX_TEXT, check_key, compile_pattern};
use crate::service::FieldError;

pub const MAX_LABEL: usize = 200;
pub const MAX_HELP: usize = 2000;
pub const MAX_CHOICES: usize = 500;
pub const MAX_CHOICE: usize = 200;
pub const MAX_POSITION: i32 = 100_000;

/// A whole definition before checking: a create, or a patch laid over the
/// stored definition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldDraft {
    pub key: String,
    /// Defaults to the key.
    pub label: Option<String>,
    pub kind: String,
    pub required: bool,
    pub unique: bool,
    pub pattern: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub choices: Option<Vec<String>>,
    pub default: Option<Value>,
    pub help: Option<String>,
    /// Defaults to after the last field.
    pub position: Option<i32>,
}

impl FieldDraft {
    /// The stored definition as a draft (a patch is laid over it).
    pub fn from_data(d: &FieldData) -> Self {
        Self {
            key: d.key.clone(),
            label: Some(d.label.clone()),
            kind: d.kind.as_str().to_owned(),
            required: d.required,
            unique: d.unique,
            pattern: d.pattern.clone(),
            min: d.min,
            max: d.max,
            choices: (!d.choices.is_empty()).then(|| d.choices.clone()),
            default: d.default.clone(),
            help: d.help.clone(),
            position: Some(d.position),
        }
    }
}

/// A checked definition: what is stored, and how values are validated.
#[derive(Debug, Clone)]
pub struct ValidField {
    /// `position` is 0 when the draft left it to the caller.
    pub data: FieldData,
    pub position_given: bool,
    pub def: FieldDef,
}

fn blank_to_none(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Checks a draft; problems are appended to `errors` with `prefix` before
/// the property name (`fields[2].` or nothing).
pub fn check(draft: &FieldDraft, prefix: &str, errors: &mut Vec<FieldError>) -> Option<ValidField> {
    let before = errors.len();
    let mut fail = |name: &str, msg: String| errors.push(FieldError::new(format!("{prefix}{name}"), msg));

    if let Err(m) = check_key(&draft.key) {
        fail("key", m);
    }
    let label = blank_to_none(draft.label.as_deref()).unwrap_or_else(|| draft.key.clone());
    if label.chars().count() > MAX_LABEL {
        fail("label", format!("must be at most {MAX_LABEL} characters"));
    }
    let kind = draft.kind.parse::<FieldKind>().map_err(|m| fail("kind", m)).ok();

    let pattern_text = blank_to_none(draft.pattern.as_deref());
    let mut pattern = None;
    if let Some(p) = &pattern_text {
        if kind.is_some_and(|k| !matches!(k, FieldKind::Text | FieldKind::Url)) {
            fail("pattern", "only text and url fields have a pattern".into());
        } else {
            match compile_pattern(p) {
                Ok(re) => pattern = Some(re),
                Err(m) => fail("pattern", m),
            }
        }
    }

    check_bounds(kind, draft.min, draft.max, &mut fail);

    let choices = draft.choices.clone().unwrap_or_default();
    match kind {
        Some(FieldKind::Select) => check_choices(&choices, &mut fail),
        Some(_) if !choices.is_empty() => fail("choices", "only select fields have choices".into()),
        _ => {}
    }

    let help = blank_to_none(draft.help.as_deref());
    if help.as_ref().is_some_and(|h| h.chars().count() > MAX_HELP) {
        fail("help", format!("must be at most {MAX_HELP} characters"));
    }
    if draft.position.is_some_and(|p| !(0..=MAX_POSITION).contains(&p)) {
        fail("position", format!("must be 0-{MAX_POSITION}"));
    }

    let default = draft.default.clone().filter(|d| !d.is_null());
    if default.is_some() && draft.unique {
        fail(
            "default",
            "a unique field cannot have a default: every new asset would get the same value".into(),
        );
    }
    let kind = kind?;
    let mut def = FieldDef {
        id: FieldId(0),
        key: draft.key.clone(),
        label: label.clone(),
        kind,
        required: draft.required,
        unique: draft.unique,
        pattern,
        min: draft.min,
        max: draft.max,
        choices: if kind == FieldKind::Select {
            choices
        } else {
            Vec::new()
        },
        default: None,
    };
    // The default is only worth checking against rules that are themselves
    // valid; otherwise its message would be noise.
    let default = match default {
        Some(d) if errors.len() == before => match def.check(&d) {
            Ok(c) => Some(c.value),
            Err(m) => {
                errors.push(FieldError::new(
                    format!("{prefix}default"),
                    format!("the default breaks the field's own rules: {m}"),
                ));
                None
            }
        },
        other => other,
    };
    if errors.len() != before {
        return None;
    }
    def.default.clone_from(&default);
    Some(ValidField {
        data: FieldData {
            key: draft.key.clone(),
            label,
            kind,
            required: draft.required,
            unique: draft.unique,
            pattern: pattern_text,
            min: draft.min,
            max: draft.max,
            choices: def.choices.clone(),
            default,
            help,
            position: draft.position.unwrap_or(0),
        },
        position_given: draft.position.is_some(),
        def,
    })
}

fn check_bounds(
    kind: Option<FieldKind>,
    min: Option<f64>,
    max: Option<f64>,
    fail: &mut impl FnMut(&str, String),
) {
    let Some(kind) = kind else { return };
    let set = [("min", min), ("max", max)];
    match kind {
        FieldKind::Integer | FieldKind::Decimal => {}
        FieldKind::Text => {
            for (name, v) in set {
                if v.is_some_and(|v| v.fract() != 0.0 || !(0.0..=MAX_TEXT as f64).contains(&v)) {
                    fail(
                        name,
                        format!("for a text field this is a length: a whole number 0-{MAX_TEXT}"),
                    );
                }
            }
        }
        _ => {
            for (name, v) in set {
                if v.is_some() {
                    fail(
                        name,
                        "only integer, decimal and text (length) fields have min/max".into(),
                    );
                }
            }
            return;
        }
    }
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        fail("min", format!("must not be greater than max ({hi})"));
    }
}

fn check_choices(choices: &[String], fail: &mut impl FnMut(&str, String)) {
    if choices.is_empty() {
        fail("choices", "a select field needs at least one choice".into());
        return;
    }
    if choices.len() > MAX_CHOICES {
        fail("choices", format!("at most {MAX_CHOICES} choices"));
    }
    for (i, c) in choices.iter().enumerate() {
        let n = c.chars().count();
        if c.trim().is_empty() || n > MAX_CHOICE {
            fail(
                &format!("choices[{i}]"),
                format!("must be 1-{MAX_CHOICE} characters"),
            );
        } else if c.trim() != c {
            fail(
                &format!("choices[{i}]"),
                "must not start or end with spaces".into(),
            );
        } else if let Some(j) = choices[..i].iter().position(|o| o == c) {
            fail(&format!("choices[{i}]"), format!("duplicates choices[{j}]"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft(key: &str, kind: &str) -> FieldDraft {
        FieldDraft {
            key: key.into(),
            kind: kind.into(),
            ..FieldDraft::default()
        }
    }

    fn errors(d: &FieldDraft) -> Vec<(String, String)> {
        let mut e = Vec::new();
        assert!(check(d, "f.", &mut e).is_none());
        e.into_iter().map(|e| (e.field, e.message)).collect()
    }

    #[test]
    fn valid_definitions_come_back_canonical() {
        let mut d = draft("rpm", "integer");
        d.min = Some(0.0);
        d.max = Some(20000.0);
        d.default = Some(json!(1500));
        d.label = Some("  ".into());
        let v = check(&d, "", &mut Vec::new()).unwrap();
        assert_eq!(v.data.label, "rpm");
        assert_eq!(v.def.default, Some(json!(1500)));
        assert!(!v.position_given);

        let mut ip = draft("plc_ip", "ip");
        ip.default = Some(json!("FE80::1"));
        assert_eq!(
            check(&ip, "", &mut Vec::new()).unwrap().data.default,
            Some(json!("fe80::1"))
        );
    }

    #[test]
    fn every_rule_is_reported() {
        let mut d = draft("Bad Key", "colour");
        d.pattern = Some("(".into());
        let e = errors(&d);
        let fields: Vec<&str> = e.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(fields, ["f.key", "f.kind", "f.pattern"]);
        assert!(e[1].1.contains("text, integer, decimal"));

        let mut s = draft("ctrl", "select");
        s.choices = Some(vec!["A".into(), "".into(), "A".into(), " B".into()]);
        s.min = Some(1.0);
        let e = errors(&s);
        let fields: Vec<&str> = e.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(fields, ["f.min", "f.choices[1]", "f.choices[2]", "f.choices[3]"]);

        assert_eq!(errors(&draft("ctrl", "select"))[0].0, "f.choices");

        let mut n = draft("n", "decimal");
        n.min = Some(5.0);
        n.max = Some(1.0);
        n.pattern = Some("x".into());
        let fields: Vec<String> = errors(&n).into_iter().map(|e| e.0).collect();
        assert_eq!(fields, ["f.pattern", "f.min"]);

        let mut t = draft("t", "text");
        t.max = Some(1.5);
        assert_eq!(errors(&t)[0].0, "f.max");

        let mut b = draft("b", "boolean");
        b.choices = Some(vec!["x".into()]);
        assert_eq!(errors(&b)[0].0, "f.choices");
    }

    #[test]
    fn defaults_must_pass_the_rules() {
        let mut d = draft("rpm", "integer");
        d.max = Some(10.0);
        d.default = Some(json!(11));
        let e = errors(&d);
        assert_eq!(e[0].0, "f.default");
        assert!(e[0].1.contains("at most 10"), "{e:?}");

        let mut u = draft("serial_plc", "text");
        u.unique = true;
        u.default = Some(json!("x"));
        assert_eq!(errors(&u)[0].0, "f.default");

        let mut s = draft("ctrl", "select");
        s.choices = Some(vec!["Fanuc".into()]);
        s.default = Some(json!("Heidenhain"));
        assert!(errors(&s)[0].1.contains("Fanuc"));
    }
}
