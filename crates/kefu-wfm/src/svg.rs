//! Small hand-written SVG line charts (history + forecast with a band; requirement vs
//! scheduled coverage). Returns the document as a string; writing it is the caller's job.

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub color: String,
    /// `None` leaves a gap.
    pub values: Vec<Option<f64>>,
    /// Draw as a step line (for per-interval counts).
    pub step: bool,
}

/// A shaded band between `lower` and `upper`.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub label: String,
    pub color: String,
    pub lower: Vec<Option<f64>>,
    pub upper: Vec<Option<f64>>,
}

/// A chart over `n` points with x tick labels at given indexes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chart {
    pub title: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub bands: Vec<Band>,
    /// (index, label)
    pub ticks: Vec<(usize, String)>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Chart {
    /// Renders a `width × height` SVG document.
    pub fn render(&self, width: f64, height: f64) -> String {
        let (ml, mr, mt, mb) = (60.0, 20.0, 40.0, 60.0);
        let pw = width - ml - mr;
        let ph = height - mt - mb;
        let n = self
            .series
            .iter()
            .map(|s| s.values.len())
            .chain(self.bands.iter().map(|b| b.upper.len()))
            .max()
            .unwrap_or(0)
            .max(2);
        let ymax = self
            .series
            .iter()
            .flat_map(|s| s.values.iter())
            .chain(self.bands.iter().flat_map(|b| b.upper.iter()))
            .flatten()
            .fold(0.0f64, |m, v| if v.is_finite() { m.max(*v) } else { m })
            .max(1.0)
            * 1.02;
        // Round the axis up to 5 steps of 1, 2, 2.5 or 5 × 10^k.
        let raw_step = ymax / 5.0;
        let mag = 10f64.powf(raw_step.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw_step)
            .unwrap_or(10.0 * mag);
        let ticks_y = (ymax / step).ceil().max(1.0);
        let ymax = step * ticks_y;
        let x = |i: f64| ml + pw * i / (n as f64 - 1.0);
        let y = |v: f64| mt + ph * (1.0 - v / ymax);
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
             <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
             <text x=\"{ml}\" y=\"22\" font-size=\"15\">{}</text>\n",
            esc(&self.title)
        );
        // Axes and grid.
        for k in 0..=(ticks_y as u32) {
            let v = step * f64::from(k);
            let yy = y(v);
            out.push_str(&format!(
                "<line x1=\"{ml}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#ddd\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v:.0}</text>\n",
                ml + pw,
                ml - 6.0,
                yy + 4.0
            ));
        }
        for (i, label) in &self.ticks {
            let xx = x(*i as f64);
            out.push_str(&format!(
                "<line x1=\"{xx:.1}\" y1=\"{mt}\" x2=\"{xx:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/>\
                 <text x=\"{xx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
                mt + ph,
                mt + ph + 16.0,
                esc(label)
            ));
        }
        out.push_str(&format!(
            "<text x=\"14\" y=\"{:.1}\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">{}</text>\n",
            mt + ph / 2.0,
            mt + ph / 2.0,
            esc(&self.y_label)
        ));
        for b in &self.bands {
            let mut pts: Vec<String> = Vec::new();
            let mut back: Vec<String> = Vec::new();
            for (i, (lo, hi)) in b.lower.iter().zip(&b.upper).enumerate() {
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    pts.push(format!("{:.1},{:.1}", x(i as f64), y(*hi)));
                    back.push(format!("{:.1},{:.1}", x(i as f64), y(*lo)));
                }
            }
            back.reverse();
            pts.extend(back);
            if !pts.is_empty() {
                out.push_str(&format!(
                    "<polygon points=\"{}\" fill=\"{}\" fill-opacity=\"0.25\" stroke=\"none\"/>\n",
                    pts.join(" "),
                    esc(&b.color)
                ));
            }
        }
        for s in &self.series {
            let mut d = String::new();
            let mut pen_up = true;
            for (i, v) in s.values.iter().enumerate() {
                let Some(v) = v.filter(|v| v.is_finite()) else {
                    pen_up = true;
                    continue;
                };
                let (xx, yy) = (x(i as f64), y(v));
                if pen_up {
                    d.push_str(&format!("M{xx:.1},{yy:.1}"));
                    pen_up = false;
                } else if s.step {
                    d.push_str(&format!("H{xx:.1}V{yy:.1}"));
                } else {
                    d.push_str(&format!("L{xx:.1},{yy:.1}"));
                }
            }
            out.push_str(&format!(
                "<path d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>\n",
                esc(&s.color)
            ));
        }
        // Legend.
        let mut lx = ml;
        let ly = height - 18.0;
        let names = self
            .series
            .iter()
            .map(|s| (&s.label, &s.color))
            .chain(self.bands.iter().map(|b| (&b.label, &b.color)));
        for (label, color) in names {
            out.push_str(&format!(
                "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"14\" height=\"4\" fill=\"{}\"/>\
                 <text x=\"{:.1}\" y=\"{ly:.1}\">{}</text>\n",
                ly - 6.0,
                esc(color),
                lx + 18.0,
                esc(label)
            ));
            lx += 30.0 + 7.0 * label.chars().count() as f64;
        }
        out.push_str("</svg>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_paths_and_escapes() {
        let c = Chart {
            title: "a<b".into(),
            y_label: "agents".into(),
            series: vec![Series {
                label: "required".into(),
                color: "#c00".into(),
                values: vec![Some(0.0), Some(10.0), None, Some(5.0)],
                step: true,
            }],
            bands: vec![],
            ticks: vec![(0, "Mon".into())],
        };
        let svg = c.render(400.0, 200.0);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("a&lt;b"));
        // Two runs separated by the gap: two M commands, one H/V step.
        let path = svg.split("<path d=\"").nth(1).unwrap();
        let d = &path[..path.find('"').unwrap()];
        assert_eq!(d.matches('M').count(), 2);
        assert_eq!(d.matches('H').count(), 1);
    }
}
