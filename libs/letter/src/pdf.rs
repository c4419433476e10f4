//! The letter and the application form as A4 PDFs in Chinese, drawn with
//! krilla in one embedded CJK font (subset, with a ToUnicode map, so that
//! the text can be extracted and searched).

use crate::amount::{capitals, yuan};
use crate::terms::{Form, Kind, Terms, date_zh, datetime_zh};
use krilla::Document;
use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("font {path}: {reason}")]
    Font { path: String, reason: String },
    #[error("pdf: {0}")]
    Write(String),
}

/// The font every document is drawn in, loaded once.
#[derive(Clone)]
pub struct Typeface {
    font: Font,
}

impl Typeface {
    /// A TrueType or OpenType font, or face `index` of a collection
    /// (`.ttc`), e.g. Debian's `/usr/share/fonts/truetype/wqy/wqy-microhei.ttc`.
    pub fn load(path: &str, index: u32) -> Result<Typeface, PdfError> {
        let bytes = std::fs::read(path).map_err(|e| PdfError::Font {
            path: path.into(),
            reason: e.to_string(),
        })?;
        let font = Font::new(bytes.into(), index).ok_or_else(|| PdfError::Font {
            path: path.into(),
            reason: format!("no usable face {index}"),
        })?;
        Ok(Typeface { font })
    }
}

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 72.0;
const BODY: f32 = 12.0;

/// A cursor down one page.
struct Pen<'a, 'b> {
    surface: &'a mut Surface<'b>,
    font: Font,
    y: f32,
}

impl Pen<'_, '_> {
    fn text_at(&mut self, x: f32, size: f32, text: &str) {
        self.surface.draw_text(
            Point::from_xy(x, self.y),
            self.font.clone(),
            size,
            text,
            false,
            TextDirection::Auto,
        );
    }

    fn centered(&mut self, size: f32, text: &str) {
        self.y += size * 1.6;
        let x = (WIDTH - width(text, size)) / 2.0;
        self.text_at(x, size, text);
        self.y += size * 0.6;
    }

    fn right(&mut self, size: f32, text: &str) {
        self.y += size * 1.6;
        self.text_at(WIDTH - MARGIN - width(text, size), size, text);
    }

    /// A paragraph, wrapped to the margins; `indent` in ems on the first
    /// line (Chinese paragraphs indent two characters).
    fn paragraph(&mut self, size: f32, indent: f32, text: &str) {
        let mut first = true;
        for line in wrap(text, size, WIDTH - 2.0 * MARGIN, indent) {
            self.y += size * 1.8;
            let x = MARGIN + if first { indent * size } else { 0.0 };
            self.text_at(x, size, &line);
            first = false;
        }
    }

    fn gap(&mut self, h: f32) {
        self.y += h;
    }

    fn rule(&mut self, from: f32, to: f32) {
        let mut pb = PathBuilder::new();
        pb.move_to(from, self.y + 6.0);
        pb.line_to(to, self.y + 6.0);
        if let Some(path) = pb.finish() {
            self.surface.set_stroke(Some(Stroke {
                width: 0.6,
                ..Default::default()
            }));
            self.surface.draw_path(&path);
            // The stroke would outline the text drawn after it.
            self.surface.set_stroke(None);
        }
    }
}

/// The width of `text` at `size`: CJK and full-width forms are one em,
/// the rest about half (close enough for wrapping and centring).
fn width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum::<f32>()
        * size
}

/// Lines of at most `max` points, breaking anywhere (Chinese has no
/// spaces) except before closing punctuation.
fn wrap(text: &str, size: f32, max: f32, indent: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = indent * size;
    for c in text.chars() {
        let w = width(c.encode_utf8(&mut [0; 4]), size);
        let closing = matches!(c, '，' | '。' | '、' | '；' | '：' | '）' | '」' | '”');
        if used + w > max && !line.is_empty() && !closing {
            lines.push(std::mem::take(&mut line));
            used = 0.0;
        }
        line.push(c);
        used += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Draws one A4 page with `draw`, and returns the document.
fn one_page(
    face: &Typeface,
    title: &str,
    draw: impl FnOnce(&mut Pen<'_, '_>),
) -> Result<Vec<u8>, PdfError> {
    let mut document = Document::new();
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(title.to_owned())
            .language("zh-CN".to_owned()),
    );
    let settings =
        PageSettings::from_wh(WIDTH, HEIGHT).ok_or_else(|| PdfError::Write("page size".into()))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    let mut pen = Pen {
        surface: &mut surface,
        font: face.font.clone(),
        y: MARGIN - 20.0,
    };
    draw(&mut pen);
    surface.finish();
    page.finish();
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// The guarantee letter.
pub fn letter(face: &Typeface, t: &Terms) -> Result<Vec<u8>, PdfError> {
    one_page(face, t.kind.title(), |p| {
        p.centered(22.0, t.kind.title());
        p.right(10.5, &format!("保函编号：{}", t.guarantee_no));
        p.gap(10.0);
        p.paragraph(BODY, 0.0, &format!("致：{}（受益人）", t.beneficiary.name));
        for text in body(t) {
            p.paragraph(BODY, 2.0, &text);
        }
        p.gap(24.0);
        p.right(BODY, &format!("担保人：{}（电子签章）", t.guarantor));
        p.right(BODY, &format!("开立日期：{}", date_zh(&t.issued_at)));
        p.gap(30.0);
        p.rule(MARGIN, WIDTH - MARGIN);
        p.paragraph(
            9.0,
            0.0,
            "本保函为电子保函，以担保人的数字签名为准。受益人可通过交易平台核验保函的真实性与完整性；任何修改都会使签名失效。",
        );
    })
}

/// The letter's clauses, in the standard wording of each kind.
fn body(t: &Terms) -> Vec<String> {
    let amount = format!(
        "人民币（大写）{}（¥{}元）",
        capitals(t.amount_fen),
        yuan(t.amount_fen)
    );
    let period = format!(
        "自{}起至{}止",
        datetime_zh(&t.valid_from),
        datetime_zh(&t.valid_to)
    );
    let project = format!(
        "{}（项目编号：{}）{}（标段编号：{}）",
        t.project_name, t.project_code, t.section_name, t.section_code
    );
    match t.kind {
        Kind::Bid => vec![
            format!(
                "鉴于{}（统一社会信用代码：{}，以下简称“投标人”）参加你方{}的投标，{}（以下简称“我方”）受该投标人委托，在此无条件地、不可撤销地就投标人履行投标义务向你方提供担保。",
                t.applicant.name,
                t.applicant.credit_code.as_deref().unwrap_or("—"),
                project,
                t.guarantor
            ),
            format!("一、担保金额：{amount}。"),
            format!("二、保函有效期：{period}。"),
            "三、在保函有效期内，投标人在投标有效期内撤销或修改其投标文件的，或者投标人在收到中标通知书后无正当理由拒签合同或拒交规定履约担保的，我方在收到你方书面索赔通知后七日内，在担保金额内无条件向你方支付（见索即付），无须你方出具证明或说明理由。".to_owned(),
            "四、你方的索赔通知应在保函有效期内送达我方。保函有效期届满或我方已按本保函支付全部担保金额后，我方的保证责任即行解除。".to_owned(),
            "五、本保函适用中华人民共和国法律。".to_owned(),
        ],
        Kind::Performance => vec![
            format!(
                "鉴于{}（统一社会信用代码：{}，以下简称“供应商”）与你方就{}签订政府采购合同，{}（以下简称“我方”）受供应商委托，在此无条件地、不可撤销地就供应商履行合同义务向你方提供履约担保。",
                t.applicant.name,
                t.applicant.credit_code.as_deref().unwrap_or("—"),
                project,
                t.guarantor
            ),
            format!("一、担保金额：{amount}。"),
            format!("二、担保期间：{period}。"),
            "三、在担保期间内，如供应商未按合同约定履行义务，我方在收到你方书面索赔通知后七个工作日内，在担保金额内无条件向你方支付（见索即付）。".to_owned(),
            "四、你方的索赔通知应在担保期间内送达我方。担保期间届满或我方已按本保函支付全部担保金额后，我方的保证责任即行解除。".to_owned(),
            "五、本保函适用中华人民共和国法律。".to_owned(),
        ],
    }
}

/// The electronic application form (申请单).
pub fn application_form(face: &Typeface, f: &Form) -> Result<Vec<u8>, PdfError> {
    let t = &f.terms;
    let title = format!("{}申请单", t.kind.title());
    let rows: Vec<(&str, String)> = vec![
        ("申请编号", t.application_no.clone()),
        ("交易平台", t.platform_id.clone()),
        ("申请人", t.applicant.name.clone()),
        (
            "统一社会信用代码",
            t.applicant.credit_code.clone().unwrap_or_default(),
        ),
        ("受益人", t.beneficiary.name.clone()),
        ("项目名称", t.project_name.clone()),
        ("项目编号", t.project_code.clone()),
        ("标段名称", t.section_name.clone()),
        ("标段编号", t.section_code.clone()),
        (
            "担保金额",
            format!("¥{}元（{}）", yuan(t.amount_fen), capitals(t.amount_fen)),
        ),
        ("保费", format!("¥{}元", yuan(f.premium_fen))),
        (
            "担保期间",
            format!("{} 至 {}", date_zh(&t.valid_from), date_zh(&t.valid_to)),
        ),
        ("申请时间", datetime_zh(&f.applied_at)),
        (
            "缴费时间",
            f.paid_at.as_ref().map(datetime_zh).unwrap_or_default(),
        ),
        ("保函编号", t.guarantee_no.clone()),
        ("担保人", t.guarantor.clone()),
    ];
    one_page(face, &title, |p| {
        p.centered(20.0, &title);
        p.gap(12.0);
        for (label, value) in &rows {
            p.rule(MARGIN, WIDTH - MARGIN);
            p.y += BODY * 1.8;
            p.text_at(MARGIN + 4.0, BODY, label);
            let y = p.y;
            // The value may wrap; its first line sits beside the label.
            p.y -= BODY * 1.8;
            let column = MARGIN + 130.0;
            let mut first = true;
            for line in wrap(value, BODY, WIDTH - MARGIN - column, 0.0) {
                if !first {
                    p.y += BODY * 1.8;
                } else {
                    p.y = y;
                }
                p.text_at(column, BODY, &line);
                first = false;
            }
            p.gap(4.0);
        }
        p.rule(MARGIN, WIDTH - MARGIN);
        p.gap(20.0);
        p.paragraph(
            9.0,
            0.0,
            "本申请单由申请人通过交易平台在线提交，内容与申请时记录的数据一致。",
        );
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::terms::Form;

    /// Debian's fonts-wqy-microhei, which tests/run.sh installs.
    pub const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

    pub fn face() -> Typeface {
        Typeface::load(FONT, 0)
            .unwrap_or_else(|e| panic!("{e}: apt-get install fonts-wqy-microhei"))
    }

    /// The text of a PDF as poppler's pdftotext (poppler-utils) reads it.
    pub fn pdftotext(pdf: &[u8]) -> String {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("baohan-letter-{}-{n}.pdf", std::process::id()));
        std::fs::write(&path, pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .unwrap_or_else(|e| panic!("pdftotext: {e}: apt-get install poppler-utils"));
        let _ = std::fs::remove_file(&path);
        assert!(out.status.success(), "{out:?}");
        // Lines wrap anywhere in Chinese: compare without the breaks.
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .collect()
    }

    #[test]
    fn the_letter_reads_as_the_chinese_wording_names_every_party_and_the_amount_in_capitals() {
        let t = crate::xml::tests::terms();
        let pdf = letter(&face(), &t).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        // Kept for a look (docs/letter.png is its first page).
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
        if std::fs::create_dir_all(&out).is_ok() {
            let _ = std::fs::write(out.join("letter-sample.pdf"), &pdf);
        }
        let text = pdftotext(&pdf);
        for expected in [
            "履约保函",
            "保函编号：LYBH-20260417-000019",
            "致：福州市示范采购中心（受益人）",
            "福建榕信示范信息技术有限公司",
            "福建海峡示范银行股份有限公司福州分行",
            "人民币（大写）壹拾壹万玖仟捌佰元整（¥119800.00元）",
            "自2026年04月20日00时00分起至2027年04月19日23时59分止",
            "见索即付",
            "开立日期：2026年04月17日",
        ] {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
    }

    #[test]
    fn a_bid_letter_has_the_bid_wording() {
        let mut t = crate::xml::tests::terms();
        t.kind = Kind::Bid;
        let text = pdftotext(&letter(&face(), &t).unwrap());
        assert!(text.contains("投标保函"), "{text}");
        assert!(text.contains("投标有效期内撤销或修改其投标文件"), "{text}");
    }

    #[test]
    fn the_application_form_lists_the_application() {
        let t = crate::xml::tests::terms();
        let form = Form {
            premium_fen: 119_800,
            applied_at: t.issued_at,
            paid_at: Some(t.issued_at),
            terms: t,
        };
        let text = pdftotext(&application_form(&face(), &form).unwrap());
        for expected in [
            "履约保函申请单",
            "ZCLY2026041500000731",
            "¥1198.00元",
            "LYBH-20260417-000019",
        ] {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
    }

    #[test]
    fn chinese_wraps_within_the_margins_and_keeps_punctuation_on_the_line() {
        let text = "甲".repeat(40) + "。乙";
        let lines = wrap(&text, 12.0, 451.0, 0.0);
        assert_eq!(lines[0].chars().count(), 37);
        assert!(lines.iter().all(|l| width(l, 12.0) <= 451.0 + 12.0));
        assert!(!lines.iter().any(|l| l.starts_with('。')));
        assert_eq!(lines.concat(), text);
    }
}
