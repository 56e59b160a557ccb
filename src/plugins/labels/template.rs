//! Label templates: a label size in millimetres, which fields it shows,
//! and optionally the sheet it sits on (A4 with 3 × 7 labels …). Presets
//! ship with the plugin (`builtin`, read-only); admins add their own.

use chrono::{DateTime, Utc};

use crate::service::FieldError;

/// Where labels sit on a printed page. Without one, every label is a page
/// of its own size (label printers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sheet {
    pub page_width_mm: f64,
    pub page_height_mm: f64,
    pub columns: u32,
    pub rows: u32,
    pub margin_top_mm: f64,
    pub margin_left_mm: f64,
    /// Space between columns.
    pub gap_x_mm: f64,
    /// Space between rows.
    pub gap_y_mm: f64,
}

impl Sheet {
    pub fn per_page(&self) -> usize {
        (self.columns * self.rows) as usize
    }

    /// Top-left corner of cell `i` (row by row), in mm.
    pub fn cell(&self, i: usize, w: f64, h: f64) -> (f64, f64) {
        let cols = self.columns.max(1) as usize;
        let (row, col) = (i / cols, i % cols);
        (
            self.margin_left_mm + col as f64 * (w + self.gap_x_mm),
            self.margin_top_mm + row as f64 * (h + self.gap_y_mm),
        )
    }
}

/// Which fields a label shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    pub tag: bool,
    pub name: bool,
    pub location: bool,
    pub qr: bool,
}

/// What defines a template (the writable part).
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSpec {
    pub key: String,
    pub name: String,
    pub width_mm: f64,
    pub height_mm: f64,
    pub sheet: Option<Sheet>,
    pub fields: Fields,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub id: i64,
    pub builtin: bool,
    pub spec: TemplateSpec,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub const MIN_LABEL_MM: f64 = 10.0;
pub const MAX_LABEL_MM: f64 = 300.0;
pub const MAX_PAGE_MM: f64 = 1000.0;
/// Rounding slack when checking that labels fit on a page.
const FIT_SLACK_MM: f64 = 0.01;

fn check_key(key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err("must be 1-64 characters: a-z, 0-9, `-`, `_`, starting with a letter or digit".into())
    }
}

fn in_range(errors: &mut Vec<FieldError>, field: &str, v: f64, min: f64, max: f64) {
    if !v.is_finite() || v < min || v > max {
        errors.push(FieldError::new(
            field,
            format!("must be between {min} and {max} mm"),
        ));
    }
}

impl TemplateSpec {
    /// Every broken rule at once, named by JSON property.
    pub fn check(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if let Err(m) = check_key(&self.key) {
            e.push(FieldError::new("key", m));
        }
        let name_len = self.name.trim().chars().count();
        if name_len == 0 || name_len > 200 {
            e.push(FieldError::new("name", "must be 1-200 characters"));
        }
        in_range(&mut e, "width_mm", self.width_mm, MIN_LABEL_MM, MAX_LABEL_MM);
        in_range(&mut e, "height_mm", self.height_mm, MIN_LABEL_MM, MAX_LABEL_MM);
        let f = self.fields;
        if !(f.tag || f.name || f.location || f.qr) {
            e.push(FieldError::new(
                "fields",
                "a label must show at least one of tag, name, location, qr",
            ));
        }
        if let Some(s) = &self.sheet {
            in_range(
                &mut e,
                "sheet.page_width_mm",
                s.page_width_mm,
                MIN_LABEL_MM,
                MAX_PAGE_MM,
            );
            in_range(
                &mut e,
                "sheet.page_height_mm",
                s.page_height_mm,
                MIN_LABEL_MM,
                MAX_PAGE_MM,
            );
            if !(1..=20).contains(&s.columns) {
                e.push(FieldError::new("sheet.columns", "must be 1-20"));
            }
            if !(1..=40).contains(&s.rows) {
                e.push(FieldError::new("sheet.rows", "must be 1-40"));
            }
            for (field, v) in [
                ("sheet.margin_top_mm", s.margin_top_mm),
                ("sheet.margin_left_mm", s.margin_left_mm),
                ("sheet.gap_x_mm", s.gap_x_mm),
                ("sheet.gap_y_mm", s.gap_y_mm),
            ] {
                in_range(&mut e, field, v, 0.0, MAX_PAGE_MM);
            }
            let sizes_ok = !e
                .iter()
                .any(|x| x.field.starts_with("sheet.") || x.field.ends_with("_mm"));
            if sizes_ok {
                let used_w = s.margin_left_mm
                    + f64::from(s.columns) * self.width_mm
                    + f64::from(s.columns - 1) * s.gap_x_mm;
                let used_h =
                    s.margin_top_mm + f64::from(s.rows) * self.height_mm + f64::from(s.rows - 1) * s.gap_y_mm;
                if used_w > s.page_width_mm + FIT_SLACK_MM {
                    e.push(FieldError::new(
                        "sheet.columns",
                        format!(
                            "{} columns need {} mm across; the page is {} mm wide",
                            s.columns,
                            super::layout::mm(used_w),
                            super::layout::mm(s.page_width_mm)
                        ),
                    ));
                }
                if used_h > s.page_height_mm + FIT_SLACK_MM {
                    e.push(FieldError::new(
                        "sheet.rows",
                        format!(
                            "{} rows need {} mm down; the page is {} mm high",
                            s.rows,
                            super::layout::mm(used_h),
                            super::layout::mm(s.page_height_mm)
                        ),
                    ));
                }
            }
        }
        e
    }

    /// Labels per printed page.
    pub fn per_page(&self) -> usize {
        self.sheet.map_or(1, |s| s.per_page())
    }

    /// The printed page size in mm.
    pub fn page_size(&self) -> (f64, f64) {
        self.sheet.map_or((self.width_mm, self.height_mm), |s| {
            (s.page_width_mm, s.page_height_mm)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a4() -> TemplateSpec {
        TemplateSpec {
            key: "a4-21".into(),
            name: "A4".into(),
            width_mm: 70.0,
            height_mm: 42.3,
            sheet: Some(Sheet {
                page_width_mm: 210.0,
                page_height_mm: 297.0,
                columns: 3,
                rows: 7,
                margin_top_mm: 0.45,
                margin_left_mm: 0.0,
                gap_x_mm: 0.0,
                gap_y_mm: 0.0,
            }),
            fields: Fields {
                tag: true,
                name: true,
                location: true,
                qr: true,
            },
        }
    }

    #[test]
    fn the_a4_preset_fits_and_cells_are_placed_row_by_row() {
        let t = a4();
        assert!(t.check().is_empty(), "{:?}", t.check());
        assert_eq!(t.per_page(), 21);
        let s = t.sheet.unwrap();
        assert_eq!(s.cell(4, 70.0, 42.3), (70.0, 0.45 + 42.3));
    }

    #[test]
    fn every_rule_is_reported() {
        let mut t = a4();
        t.key = "Bad Key".into();
        t.width_mm = 5.0;
        t.fields = Fields {
            tag: false,
            name: false,
            location: false,
            qr: false,
        };
        let fields: Vec<String> = t.check().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["key", "width_mm", "fields"]);
        let mut t = a4();
        if let Some(s) = t.sheet.as_mut() {
            s.columns = 4;
        }
        let e = t.check();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("280 mm across"), "{e:?}");
    }
}
