//! Where things go on a label, in millimetres, and the label as SVG. The
//! same `Layout` drives the SVG (and so the HTML sheet, which embeds it)
//! and the ZPL, so every output puts the QR code and the text in the same
//! place.
//!
//! Landscape labels put the QR code on the left and the text to its right;
//! portrait labels (4 × 6 in) put it on top, the text below. Text is sized
//! to the space and shrunk (then cut with "…") when a line is too long;
//! widths are estimated from character counts, and the SVG pins long lines
//! to the available width with `textLength` so they never overflow.

use std::fmt::Write as _;

use super::qr::Matrix;
use super::template::TemplateSpec;

/// What a label shows for one asset.
#[derive(Debug, Clone)]
pub struct LabelData {
    pub asset_id: i64,
    pub tag: String,
    pub name: String,
    pub location: Option<String>,
    /// The URL the QR code encodes.
    pub url: String,
}

/// One line of text; `top` and `baseline` in mm from the label's top edge.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    pub x: f64,
    pub top: f64,
    pub baseline: f64,
    /// Font size (em height) in mm.
    pub size: f64,
    pub bold: bool,
    /// Width available to the line.
    pub width: f64,
    /// Whether the estimate fills the width (the SVG then pins the length).
    pub tight: bool,
}

/// The QR code's square, in mm, and the modules of quiet zone inside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QrBox {
    pub x: f64,
    pub y: f64,
    pub side: f64,
    pub quiet: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub qr: Option<QrBox>,
    pub lines: Vec<Line>,
}

/// Smallest text printed (about 4 pt): smaller is not readable.
const MIN_TEXT_MM: f64 = 1.4;
/// Largest base text size (tag lines are 1.4 times this).
const MAX_TEXT_MM: f64 = 7.0;
const LINE_HEIGHT: f64 = 1.25;
/// Ascent of the fonts used, as a share of the size.
const ASCENT: f64 = 0.8;
/// Estimated average advance per character, as a share of the size.
const CHAR_W_REGULAR: f64 = 0.6;
const CHAR_W_BOLD: f64 = 0.7;
/// Modules of quiet zone drawn inside the QR box; the label's padding
/// adds white space around it.
const QR_QUIET: usize = 1;

/// `42.3`, `0.45`, `50`: millimetres for SVG, CSS and messages.
pub fn mm(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_owned() } else { s.to_owned() }
}

fn estimate(text: &str, size: f64, bold: bool) -> f64 {
    text.chars().count() as f64 * size * if bold { CHAR_W_BOLD } else { CHAR_W_REGULAR }
}

/// Shrinks `size` until `text` fits `width`, then cuts it with "…".
fn fit(text: &str, width: f64, size: f64, bold: bool) -> (String, f64, bool) {
    let est = estimate(text, size, bold);
    if est <= width {
        return (text.to_owned(), size, false);
    }
    let shrunk = size * width / est;
    if shrunk >= MIN_TEXT_MM {
        return (text.to_owned(), shrunk, true);
    }
    let per_char = MIN_TEXT_MM * if bold { CHAR_W_BOLD } else { CHAR_W_REGULAR };
    let keep = ((width / per_char).floor() as usize).saturating_sub(1).max(1);
    let cut: String = text.chars().take(keep).collect();
    (format!("{}…", cut.trim_end()), MIN_TEXT_MM, true)
}

impl Layout {
    pub fn new(t: &TemplateSpec, d: &LabelData) -> Self {
        let (w, h) = (t.width_mm, t.height_mm);
        let pad = (w.min(h) * 0.06).clamp(1.0, 4.0);
        let f = t.fields;
        let mut texts: Vec<(&str, f64, bool)> = Vec::new();
        if f.tag {
            texts.push((&d.tag, 1.4, true));
        }
        if f.name && !d.name.is_empty() {
            texts.push((&d.name, 1.0, false));
        }
        if f.location
            && let Some(l) = d.location.as_deref().filter(|l| !l.is_empty())
        {
            texts.push((l, 0.85, false));
        }
        let portrait = h > w * 1.2;
        // The text box: (x, y, width, height).
        let (qr, tb) = match (f.qr, portrait, texts.is_empty()) {
            (false, _, _) => (None, (pad, pad, w - 2.0 * pad, h - 2.0 * pad)),
            (true, _, true) => {
                let side = (w.min(h) - 2.0 * pad).max(1.0);
                let q = QrBox {
                    x: (w - side) / 2.0,
                    y: (h - side) / 2.0,
                    side,
                    quiet: QR_QUIET,
                };
                (Some(q), (0.0, 0.0, 0.0, 0.0))
            }
            (true, false, false) => {
                let side = (h - 2.0 * pad).min(w * 0.5).max(1.0);
                let q = QrBox {
                    x: pad,
                    y: (h - side) / 2.0,
                    side,
                    quiet: QR_QUIET,
                };
                let x = pad + side + pad * 0.5;
                (Some(q), (x, pad, (w - x - pad).max(1.0), h - 2.0 * pad))
            }
            (true, true, false) => {
                let side = (w - 2.0 * pad).min((h - 2.0 * pad) * 0.6).max(1.0);
                let q = QrBox {
                    x: (w - side) / 2.0,
                    y: pad,
                    side,
                    quiet: QR_QUIET,
                };
                let y = pad + side + pad;
                (Some(q), (pad, y, w - 2.0 * pad, (h - y - pad).max(1.0)))
            }
        };
        let lines = Self::lines(&texts, tb);
        Self {
            width: w,
            height: h,
            qr,
            lines,
        }
    }

    /// Sizes every text to a shared base size: the tag on one line (shrunk
    /// on its own if it is long), name and location wrapped onto up to two
    /// lines each. The base shrinks until everything fits; below the
    /// smallest readable size, lines are cut with "…".
    fn lines(texts: &[(&str, f64, bool)], (x, y, width, height): (f64, f64, f64, f64)) -> Vec<Line> {
        if texts.is_empty() {
            return Vec::new();
        }
        let weights: f64 = texts.iter().map(|(_, k, _)| k * LINE_HEIGHT).sum();
        let min_k = texts.iter().map(|(_, k, _)| *k).fold(f64::INFINITY, f64::min);
        let mut base = (height / weights).min(MAX_TEXT_MM);
        let fitted = loop {
            let attempt = Self::attempt(texts, width, base);
            let used: f64 = attempt.iter().map(|(_, s, _, _)| s * LINE_HEIGHT).sum();
            let fits = attempt
                .iter()
                .all(|(t, s, b, _)| estimate(t, *s, *b) <= width + 1e-9);
            if fits && used <= height + 1e-9 {
                break attempt;
            }
            if base * min_k <= MIN_TEXT_MM {
                // Nothing fits even at the smallest size: one line each, cut.
                break texts
                    .iter()
                    .map(|(text, k, bold)| {
                        let (text, size, tight) = fit(text, width, (base * k).max(MIN_TEXT_MM), *bold);
                        (text, size, *bold, tight)
                    })
                    .collect();
            }
            base = (base * 0.92).max(MIN_TEXT_MM / min_k);
        };
        let used: f64 = fitted.iter().map(|(_, s, _, _)| s * LINE_HEIGHT).sum();
        let mut top = y + ((height - used) / 2.0).max(0.0);
        fitted
            .into_iter()
            .map(|(text, size, bold, tight)| {
                let line = Line {
                    text,
                    x,
                    top: top + size * (LINE_HEIGHT - 1.0) / 2.0,
                    baseline: top + size * (LINE_HEIGHT - 1.0) / 2.0 + size * ASCENT,
                    size,
                    bold,
                    width,
                    tight,
                };
                top += size * LINE_HEIGHT;
                line
            })
            .collect()
    }

    /// The lines at one base size: (text, size, bold, tight).
    fn attempt(texts: &[(&str, f64, bool)], width: f64, base: f64) -> Vec<(String, f64, bool, bool)> {
        let mut out = Vec::new();
        for (i, (text, k, bold)) in texts.iter().enumerate() {
            let size = base * k;
            // The tag (first, bold) stays on one line and shrinks alone.
            if i == 0 && *bold {
                let (t, s, tight) = fit(text, width, size, true);
                out.push((t, s, true, tight));
                continue;
            }
            match wrap(text, width, size, *bold, 2) {
                Some(lines) => out.extend(lines.into_iter().map(|l| (l, size, *bold, false))),
                // Too long for two lines: report it as one overlong line so
                // the caller tries a smaller size.
                None => out.push(((*text).to_owned(), size, *bold, false)),
            }
        }
        out
    }
}

/// Greedy word wrap into at most `max_lines` lines that each fit `width`;
/// None when the text does not fit that way.
fn wrap(text: &str, width: f64, size: f64, bold: bool, max_lines: usize) -> Option<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if estimate(&candidate, size, bold) <= width {
            line = candidate;
        } else if line.is_empty() {
            return None;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
            if estimate(&line, size, bold) > width {
                return None;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    (lines.len() <= max_lines).then_some(lines)
}

pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The label as an `<svg>` element, sized in mm with a viewBox in mm. The
/// QR path has `id="qr-<asset id>"` and module units (see `Matrix::svg_path`).
pub fn label_svg(t: &TemplateSpec, d: &LabelData, qr: &Matrix) -> String {
    let l = Layout::new(t, d);
    let (w, h) = (mm(l.width), mm(l.height));
    let mut s = String::with_capacity(4096);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}mm\" height=\"{h}mm\" viewBox=\"0 0 {w} {h}\" \
         data-asset=\"{}\"><rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>",
        d.asset_id
    );
    if let Some(q) = l.qr {
        let modules = qr.width + 2 * q.quiet;
        let scale = q.side / modules as f64;
        let _ = write!(
            s,
            "<path id=\"qr-{}\" transform=\"translate({} {}) scale({})\" fill=\"#000\" \
             shape-rendering=\"crispEdges\" d=\"{}\"/>",
            d.asset_id,
            mm(q.x),
            mm(q.y),
            format_scale(scale),
            qr.svg_path(q.quiet)
        );
    }
    for line in &l.lines {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\" \
             font-size=\"{}\"{}{}>{}</text>",
            mm(line.x),
            mm(line.baseline),
            mm(line.size),
            if line.bold { " font-weight=\"bold\"" } else { "" },
            if line.tight {
                format!(
                    " textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\"",
                    mm(line.width.min(estimate(&line.text, line.size, line.bold)))
                )
            } else {
                String::new()
            },
            escape_xml(&line.text)
        );
    }
    s.push_str("</svg>");
    s
}

/// More digits than `mm`: a module is a fraction of a millimetre.
fn format_scale(v: f64) -> String {
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A standalone SVG document of one label.
pub fn label_svg_document(t: &TemplateSpec, d: &LabelData, qr: &Matrix) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
        label_svg(t, d, qr)
    )
}

#[cfg(test)]
mod tests {
    use super::super::template::Fields;
    use super::*;

    fn spec(w: f64, h: f64) -> TemplateSpec {
        TemplateSpec {
            key: "t".into(),
            name: "t".into(),
            width_mm: w,
            height_mm: h,
            sheet: None,
            fields: Fields {
                tag: true,
                name: true,
                location: true,
                qr: true,
            },
        }
    }

    fn data(name: &str) -> LabelData {
        LabelData {
            asset_id: 7,
            tag: "CNC-0042".into(),
            name: name.into(),
            location: Some("Plant 1 / Hall B / Cell 4".into()),
            url: "https://shopdb.example.com/a/7".into(),
        }
    }

    #[test]
    fn everything_stays_on_the_label() {
        for (w, h) in [(50.0, 25.0), (62.0, 29.0), (101.6, 152.4), (70.0, 42.3)] {
            let l = Layout::new(&spec(w, h), &data(&"Very long machine name ".repeat(8)));
            let q = l.qr.unwrap();
            assert!(q.x >= 0.0 && q.y >= 0.0 && q.x + q.side <= w && q.y + q.side <= h);
            assert!((3..=5).contains(&l.lines.len()), "{l:?}");
            for line in &l.lines {
                assert!(line.size >= MIN_TEXT_MM, "{line:?}");
                assert!(line.top >= 0.0 && line.top + line.size <= h, "{w}x{h} {line:?}");
                assert!(line.x + line.width <= w + 1e-9, "{line:?}");
                assert!(
                    estimate(&line.text, line.size, line.bold) <= line.width + 1e-6,
                    "{w}x{h} {line:?}"
                );
                // Text never overlaps the code.
                if h <= w {
                    assert!(line.x >= q.x + q.side);
                } else {
                    assert!(line.top >= q.y + q.side);
                }
            }
        }
    }

    #[test]
    fn names_wrap_onto_two_lines_before_shrinking() {
        let l = Layout::new(&spec(50.0, 25.0), &data("DMG Mori CTX 450 lathe number 1"));
        let texts: Vec<&str> = l.lines.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts.len(), 5, "{texts:?}");
        assert_eq!(texts[0], "CNC-0042");
        assert_eq!(
            format!("{} {}", texts[1], texts[2]),
            "DMG Mori CTX 450 lathe number 1"
        );
        assert_eq!(format!("{} {}", texts[3], texts[4]), "Plant 1 / Hall B / Cell 4");
        assert!(l.lines[1].size >= 2.0, "{l:?}");
    }

    #[test]
    fn long_names_are_cut_with_an_ellipsis() {
        let l = Layout::new(&spec(50.0, 25.0), &data(&"x".repeat(300)));
        assert!(l.lines[1].text.ends_with('…'));
        assert!(l.lines[1].text.chars().count() < 300);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape_xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(mm(42.3), "42.3");
        assert_eq!(mm(0.45), "0.45");
        assert_eq!(mm(50.0), "50");
    }
}
