//! A print-ready HTML page of labels at exact physical size: CSS
//! millimetres, `@page` sized to the paper (the sheet, or the label itself
//! for label printers) with no margins, one `.page` box per printed page,
//! each label an inline SVG placed absolutely in its cell. Print it at
//! 100 % scale ("Actual size"); no script, no external resources, so it
//! works offline and under the server's strict CSP.

use std::fmt::Write as _;

use super::layout::{escape_xml, mm};
use super::template::TemplateSpec;

/// `labels`: rendered `<svg>` elements, in print order. `skip`: cells left
/// empty at the start of the first page (a partly used sheet).
pub fn html(t: &TemplateSpec, template_name: &str, labels: &[String], skip: usize) -> String {
    let (pw, ph) = t.page_size();
    let (w, h) = (t.width_mm, t.height_mm);
    let per_page = t.per_page().max(1);
    let skip = if t.sheet.is_some() { skip % per_page } else { 0 };
    let pages = (skip + labels.len()).div_ceil(per_page).max(1);
    let mut out = String::with_capacity(labels.iter().map(String::len).sum::<usize>() + 4096);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"shopdb-labels\" content=\"labels={n}; pages={pages}; template={key}; \
         label={w}x{h}mm; page={pw}x{ph}mm\">\n\
         <title>Labels: {n} × {title}</title>\n<style>\n\
         @page {{ size: {pw}mm {ph}mm; margin: 0; }}\n\
         * {{ box-sizing: border-box; }}\n\
         html, body {{ margin: 0; padding: 0; background: #fff; }}\n\
         .page {{ position: relative; width: {pw}mm; height: {ph}mm; overflow: hidden; \
         break-after: page; page-break-after: always; }}\n\
         .page:last-child {{ break-after: auto; page-break-after: auto; }}\n\
         .label {{ position: absolute; width: {w}mm; height: {h}mm; overflow: hidden; }}\n\
         .label > svg {{ display: block; width: {w}mm; height: {h}mm; }}\n\
         @media screen {{\n  body {{ background: #d9d9d9; padding: 8mm 0; }}\n  \
         .page {{ background: #fff; margin: 0 auto 8mm; box-shadow: 0 0 2mm rgba(0, 0, 0, 0.35); }}\n  \
         .label {{ outline: 0.1mm dashed #b0b0b0; }}\n}}\n\
         </style>\n</head>\n<body>\n",
        n = labels.len(),
        key = escape_xml(&t.key),
        title = escape_xml(template_name),
        w = mm(w),
        h = mm(h),
        pw = mm(pw),
        ph = mm(ph),
    );
    let mut cells = (0..skip).map(|_| None).chain(labels.iter().map(Some)).peekable();
    for _ in 0..pages {
        out.push_str("<div class=\"page\">\n");
        for i in 0..per_page {
            let Some(cell) = cells.next() else { break };
            let Some(svg) = cell else { continue };
            let (x, y) = t.sheet.map_or((0.0, 0.0), |s| s.cell(i, w, h));
            let _ = writeln!(
                out,
                "<div class=\"label\" style=\"left: {}mm; top: {}mm\">{svg}</div>",
                mm(x),
                mm(y)
            );
        }
        out.push_str("</div>\n");
        if cells.peek().is_none() {
            break;
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::super::template::{Fields, Sheet};
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
    fn sheets_fill_cells_row_by_row_after_the_skipped_ones() {
        let labels: Vec<String> = (0..22).map(|i| format!("<svg id=\"l{i}\"></svg>")).collect();
        let page = html(&a4(), "A4", &labels, 2);
        assert!(page.contains("@page { size: 210mm 297mm; margin: 0; }"));
        assert_eq!(page.matches("<div class=\"page\">").count(), 2);
        assert_eq!(page.matches("class=\"label\"").count(), 22);
        // Cell 2 (third in the first row) holds the first label.
        assert!(page.contains("style=\"left: 140mm; top: 0.45mm\"><svg id=\"l0\">"));
        assert!(page.contains("style=\"left: 0mm; top: 42.75mm\"><svg id=\"l1\">"));
    }

    #[test]
    fn label_printer_templates_print_one_label_per_page() {
        let mut t = a4();
        t.sheet = None;
        t.width_mm = 50.0;
        t.height_mm = 25.0;
        let labels: Vec<String> = (0..3).map(|_| "<svg></svg>".to_owned()).collect();
        let page = html(&t, "50 × 25", &labels, 5);
        assert!(page.contains("@page { size: 50mm 25mm; margin: 0; }"));
        assert_eq!(page.matches("<div class=\"page\">").count(), 3);
    }
}
