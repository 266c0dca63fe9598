//! A minimal markdown table: first column left-aligned, the rest right-aligned.

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        Self {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::from("|");
            for (i, (c, &w)) in cells.iter().zip(&widths).enumerate() {
                let pad = w.saturating_sub(c.chars().count());
                if i == 0 {
                    s += &format!(" {c}{} |", " ".repeat(pad));
                } else {
                    s += &format!(" {}{c} |", " ".repeat(pad));
                }
            }
            s + "\n"
        };
        let mut out = line(&self.header);
        out += "|";
        for (i, &w) in widths.iter().enumerate().take(n) {
            let dashes = "-".repeat(w.max(3));
            if i == 0 {
                out += &format!(" {dashes} |");
            } else {
                out += &format!(" {}: |", &dashes[1..]);
            }
        }
        out += "\n";
        for r in &self.rows {
            out += &line(r);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_aligned_markdown() {
        let mut t = Table::new(["cache", "ns/op"]);
        t.row(vec!["a".into(), "12.5".into()]);
        assert_eq!(
            t.render(),
            "| cache | ns/op |\n| ----- | ----: |\n| a     |  12.5 |\n"
        );
    }
}
