//! Custom field definitions and the rules every asset write is checked
//! against. Values are JSON; each kind has one canonical form, and an index
//! text (what `cf_<field>` filters and uniqueness compare).

use std::fmt;
use std::str::FromStr;

use regex::Regex;
use serde_json::{Map, Value};

use super::{FieldId, parse_date, parse_ip};

word_enum!(
    /// What a custom field holds.
    FieldKind, "field kind" {
        Text => "text",
        Integer => "integer",
        Decimal => "decimal",
        Boolean => "boolean",
        Date => "date",
        Select => "select",
        Url => "url",
        Ip => "ip",
    }
);

/// Longest custom text value.
pub const MAX_TEXT: usize = 1000;
/// Longest regex accepted as a field rule.
pub const MAX_PATTERN: usize = 500;

/// Field keys: what integrators use in JSON and `cf_<key>` filters.
pub fn check_key(key: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err("must be 1-64 characters: lower-case letters, digits and `_`, starting with a letter".into())
    }
}

/// Compiles a field's pattern; the whole value must match it.
pub fn compile_pattern(p: &str) -> Result<Regex, String> {
    if p.len() > MAX_PATTERN {
        return Err(format!("a pattern is at most {MAX_PATTERN} characters"));
    }
    regex::RegexBuilder::new(&format!("^(?:{p})$"))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("not a valid regular expression: {}", first_line(&e.to_string())))
}

fn first_line(s: &str) -> &str {
    s.lines().last().unwrap_or(s).trim()
}

/// A custom field as the validator sees it.
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub id: FieldId,
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    pub unique: bool,
    pub pattern: Option<Regex>,
    /// Numbers: the value; text: the length.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub choices: Vec<String>,
    pub default: Option<Value>,
}

/// A checked value: canonical JSON and its index text.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub value: Value,
    pub index: String,
}

impl FieldDef {
    /// Checks one (non-null) value against this definition.
    pub fn check(&self, v: &Value) -> Result<Checked, String> {
        let value = match self.kind {
            FieldKind::Text => {
                let s = as_str(v, "text")?;
                let len = s.chars().count();
                if len > MAX_TEXT {
                    return Err(format!("must be at most {MAX_TEXT} characters"));
                }
                self.bounds(len as f64, "characters")?;
                Value::String(s.to_owned())
            }
            FieldKind::Integer => {
                let n = v
                    .as_i64()
                    .ok_or_else(|| format!("must be a whole number, not {}", describe(v)))?;
                self.bounds(n as f64, "")?;
                Value::from(n)
            }
            FieldKind::Decimal => {
                let n = v
                    .as_f64()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| format!("must be a number, not {}", describe(v)))?;
                self.bounds(n, "")?;
                serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
            }
            FieldKind::Boolean => Value::Bool(
                v.as_bool()
                    .ok_or_else(|| format!("must be true or false, not {}", describe(v)))?,
            ),
            FieldKind::Date => Value::String(parse_date(as_str(v, "date (YYYY-MM-DD)")?)?),
            FieldKind::Select => {
                let s = as_str(v, "choice")?;
                if !self.choices.iter().any(|c| c == s) {
                    return Err(format!(
                        "`{s}` is not one of the choices: {}",
                        self.choices.join(", ")
                    ));
                }
                Value::String(s.to_owned())
            }
            FieldKind::Url => {
                let s = as_str(v, "URL")?;
                let u = url::Url::parse(s.trim()).map_err(|_| format!("`{s}` is not an absolute URL"))?;
                if !matches!(u.scheme(), "http" | "https" | "ftp" | "smb" | "file")
                    || u.host().is_none() && u.scheme() != "file"
                {
                    return Err(format!("`{s}` is not an http(s), ftp, smb or file URL"));
                }
                Value::String(s.trim().to_owned())
            }
            FieldKind::Ip => Value::String(parse_ip(as_str(v, "IP address")?)?),
        };
        if let (Some(re), Value::String(s)) = (&self.pattern, &value)
            && !re.is_match(s)
        {
            return Err(format!("does not match the pattern {}", pattern_text(re)));
        }
        let index = index_text(&value);
        Ok(Checked { value, index })
    }

    fn bounds(&self, n: f64, unit: &str) -> Result<(), String> {
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        if let Some(min) = self.min.filter(|m| n < *m) {
            return Err(format!("must be at least {min}{unit}"));
        }
        if let Some(max) = self.max.filter(|m| n > *m) {
            return Err(format!("must be at most {max}{unit}"));
        }
        Ok(())
    }
}

/// The pattern as the admin wrote it (without our anchors).
pub fn pattern_text(re: &Regex) -> &str {
    let s = re.as_str();
    s.strip_prefix("^(?:")
        .and_then(|s| s.strip_suffix(")$"))
        .unwrap_or(s)
}

fn as_str<'a>(v: &'a Value, what: &str) -> Result<&'a str, String> {
    v.as_str()
        .ok_or_else(|| format!("must be a {what} string, not {}", describe(v)))
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// What filters and uniqueness compare: strings as they are, numbers and
/// booleans in their JSON text.
pub fn index_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Text from a CSV cell or a query parameter → a JSON value of the kind,
/// ready for `FieldDef::check`. Empty text is null.
pub fn from_text(kind: FieldKind, s: &str) -> Result<Value, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(Value::Null);
    }
    Ok(match kind {
        FieldKind::Integer => Value::from(
            t.parse::<i64>()
                .map_err(|_| format!("`{t}` is not a whole number"))?,
        ),
        FieldKind::Decimal => {
            let n = t
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| format!("`{t}` is not a number"))?;
            serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
        }
        FieldKind::Boolean => match t.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "y" => Value::Bool(true),
            "false" | "no" | "0" | "n" => Value::Bool(false),
            _ => return Err(format!("`{t}` is not true or false")),
        },
        _ => Value::String(t.to_owned()),
    })
}

/// A value per field, plus the index rows to maintain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckedFields {
    /// What is stored in `assets.custom_fields` (only set values).
    pub values: Map<String, Value>,
    /// (field, index text, unique) for each set value.
    pub index: Vec<(FieldId, String, bool)>,
}

/// Checks a whole custom-field object against a type's definitions: unknown
/// keys, required fields, each value. `null` clears a value. Every problem
/// is reported, as (`custom_fields.<key>`, message).
pub fn check_all(
    defs: &[FieldDef],
    input: &Map<String, Value>,
) -> Result<CheckedFields, Vec<(String, String)>> {
    let mut errors = Vec::new();
    for key in input.keys() {
        if !defs.iter().any(|d| &d.key == key) {
            let known: Vec<&str> = defs.iter().map(|d| d.key.as_str()).collect();
            let hint = if known.is_empty() {
                "this type has no custom fields".to_owned()
            } else {
                format!("this type's fields are: {}", known.join(", "))
            };
            errors.push((format!("custom_fields.{key}"), format!("unknown field; {hint}")));
        }
    }
    let mut out = CheckedFields::default();
    for d in defs {
        let field = format!("custom_fields.{}", d.key);
        match input.get(&d.key) {
            None | Some(Value::Null) => {
                if d.required {
                    errors.push((field, format!("{} is required", d.label)));
                }
            }
            Some(v) => match d.check(v) {
                Ok(c) => {
                    out.index.push((d.id, c.index, d.unique));
                    out.values.insert(d.key.clone(), c.value);
                }
                Err(m) => errors.push((field, m)),
            },
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Fills unset fields that have a default (on create).
pub fn apply_defaults(defs: &[FieldDef], input: &mut Map<String, Value>) {
    for d in defs {
        if let Some(default) = &d.default {
            let unset = input.get(&d.key).is_none_or(Value::is_null);
            if unset {
                input.insert(d.key.clone(), default.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(key: &str, kind: FieldKind) -> FieldDef {
        FieldDef {
            id: FieldId(1),
            key: key.into(),
            label: key.into(),
            kind,
            required: false,
            unique: false,
            pattern: None,
            min: None,
            max: None,
            choices: vec![],
            default: None,
        }
    }

    #[test]
    fn each_kind() {
        let mut n = def("rpm", FieldKind::Integer);
        n.min = Some(0.0);
        n.max = Some(20000.0);
        assert_eq!(n.check(&json!(12000)).unwrap().index, "12000");
        assert!(n.check(&json!(-1)).unwrap_err().contains("at least 0"));
        assert!(n.check(&json!(1.5)).unwrap_err().contains("whole number"));
        assert!(n.check(&json!("12")).is_err());

        let mut t = def("os", FieldKind::Text);
        t.pattern = Some(compile_pattern("Win(10|11)|Linux").unwrap());
        assert!(t.check(&json!("Win11")).is_ok());
        assert!(
            t.check(&json!("Win11x"))
                .unwrap_err()
                .contains("Win(10|11)|Linux")
        );

        let mut s = def("ctrl", FieldKind::Select);
        s.choices = vec!["Sinumerik".into(), "Fanuc".into()];
        assert!(s.check(&json!("Fanuc")).is_ok());
        assert!(
            s.check(&json!("Heidenhain"))
                .unwrap_err()
                .contains("Sinumerik, Fanuc")
        );

        assert!(def("d", FieldKind::Date).check(&json!("2026-13-01")).is_err());
        assert_eq!(
            def("i", FieldKind::Ip).check(&json!("FE80::1")).unwrap().value,
            json!("fe80::1")
        );
        assert!(
            def("u", FieldKind::Url)
                .check(&json!("javascript:alert(1)"))
                .is_err()
        );
        assert!(
            def("u", FieldKind::Url)
                .check(&json!("https://wiki.local/cnc"))
                .is_ok()
        );
        assert!(def("b", FieldKind::Boolean).check(&json!("yes")).is_err());
    }

    #[test]
    fn whole_object_reports_everything() {
        let mut req = def("serial_plc", FieldKind::Text);
        req.required = true;
        let defs = vec![req, def("rpm", FieldKind::Integer)];
        let input = json!({"rpm": "fast", "colour": "red"});
        let errs = check_all(&defs, input.as_object().unwrap()).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            fields,
            [
                "custom_fields.colour",
                "custom_fields.serial_plc",
                "custom_fields.rpm"
            ]
        );
    }

    #[test]
    fn text_conversion() {
        assert_eq!(from_text(FieldKind::Integer, " 42 ").unwrap(), json!(42));
        assert_eq!(from_text(FieldKind::Boolean, "Yes").unwrap(), json!(true));
        assert_eq!(from_text(FieldKind::Text, "").unwrap(), Value::Null);
        assert!(from_text(FieldKind::Decimal, "NaN").is_err());
    }

    #[test]
    fn hostile_patterns_are_refused() {
        assert!(compile_pattern("(").is_err());
        assert!(compile_pattern(&"a".repeat(501)).is_err());
        assert!(compile_pattern("(a{1000}){1000}").is_err());
        assert!(check_key("Serial").is_err());
        assert!(check_key("serial_no2").is_ok());
    }
}
