//! ZPL II for Zebra label printers: one `^XA … ^XZ` format per label, laid
//! out like the SVG (`Layout`), in printer dots. The printer draws the QR
//! code itself (`^BQN`, model 2, error correction M) from the same URL.
//! Text is UTF-8 (`^CI28`) with `^FH` escapes for the characters ZPL
//! reserves, and Zebra's scalable font 0.

use std::fmt::Write as _;

use super::layout::{LabelData, Layout};
use super::qr::Matrix;
use super::template::TemplateSpec;

/// Print resolutions Zebra printers come in (dots per inch).
pub const DPI_CHOICES: &[u32] = &[152, 203, 300, 600];

fn dots(mm: f64, dpi: u32) -> i64 {
    (mm * f64::from(dpi) / 25.4).round() as i64
}

/// `^FH\` escapes: `\` `^` `~` as hex, so field data cannot end a command.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\5C"),
            '^' => out.push_str("\\5E"),
            '~' => out.push_str("\\7E"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one label's format to `out`.
pub fn label(out: &mut String, t: &TemplateSpec, d: &LabelData, qr: &Matrix, dpi: u32) {
    let l = Layout::new(t, d);
    let _ = write!(
        out,
        "^XA\n^CI28\n^PW{}\n^LL{}\n^LH0,0\n",
        dots(l.width, dpi),
        dots(l.height, dpi)
    );
    if let Some(q) = l.qr {
        let side = dots(q.side, dpi);
        // Magnification: dots per module, 1-10. ^BQN draws without a quiet
        // zone; the label's padding provides it.
        let modules = (qr.width + 2 * q.quiet) as i64;
        let mag = (side / modules.max(1)).clamp(1, 10);
        let drawn = mag * qr.width as i64;
        let offset = (side - drawn) / 2;
        // "MA,": error correction M, automatic data mode.
        let _ = writeln!(
            out,
            "^FO{},{}^BQN,2,{mag}^FH\\^FDMA,{}^FS",
            dots(q.x, dpi) + offset,
            dots(q.y, dpi) + offset,
            escape(&d.url)
        );
    }
    for line in &l.lines {
        let h = dots(line.size, dpi).max(10);
        let w = if line.bold { h } else { (h * 9) / 10 };
        let _ = writeln!(
            out,
            "^FO{},{}^A0N,{h},{w}^FB{},1,0,L^FH\\^FD{}^FS",
            dots(line.x, dpi),
            dots(line.top, dpi),
            dots(line.width, dpi),
            escape(&line.text)
        );
    }
    out.push_str("^PQ1\n^XZ\n");
}

#[cfg(test)]
mod tests {
    use super::super::template::Fields;
    use super::*;

    #[test]
    fn one_format_per_label_with_the_qr_and_escaped_text() {
        let t = TemplateSpec {
            key: "t".into(),
            name: "t".into(),
            width_mm: 50.0,
            height_mm: 25.0,
            sheet: None,
            fields: Fields {
                tag: true,
                name: true,
                location: false,
                qr: true,
            },
        };
        let d = LabelData {
            asset_id: 1,
            tag: "CNC-1".into(),
            name: "Lathe ^XZ ~JA".into(),
            location: None,
            url: "https://x.example/a/1".into(),
        };
        let qr = Matrix::encode(&d.url).unwrap();
        let mut z = String::new();
        label(&mut z, &t, &d, &qr, 203);
        assert!(z.starts_with("^XA\n") && z.ends_with("^XZ\n"), "{z}");
        assert_eq!(z.matches("^XA").count(), 1, "{z}");
        assert!(z.contains("^PW400\n^LL200\n"), "{z}");
        assert!(z.contains("^BQN,2,"), "{z}");
        assert!(z.contains("^FDMA,https://x.example/a/1^FS"), "{z}");
        assert!(z.contains("^FDCNC-1^FS"), "{z}");
        // The name may wrap; either way its reserved characters are escaped.
        let text: Vec<&str> = z
            .lines()
            .filter(|l| l.contains("^A0N"))
            .map(|l| &l[l.find("^FD").unwrap() + 3..l.len() - 3])
            .collect();
        assert_eq!(text[1..].join(" "), "Lathe \\5EXZ \\7EJA", "{z}");
    }
}
