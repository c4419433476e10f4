//! The bidder's page in headless Chromium, as a bidder on a phone uses it:
//! the link from the SMS, a mistake shown next to its field with what was
//! typed kept, the uploads, the payment. Takes the phone-sized screenshots
//! that docs/ shows (`portal-phone.png`, `portal-phone-error.png`, written
//! to `target/`, or to `BAOHAN_SCREENSHOT_DIR`).

use crate::harness;
use crate::portal::{Apply, PDF, PNG, Platform, Stack, first_sms};
use baohan_tests::browser::Browser;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bidder_completes_and_pays_on_the_page_in_chromium() {
    let _broker = harness::shared().await;
    let s = Stack::start().await;
    let p = Platform::Ely;
    let no = "ELY-WEB-1";
    s.apply(
        p,
        Apply {
            no,
            amount: "119800.00",
            section: "S-WEB",
            bad: false,
        },
    )
    .await;
    s.wait_for(p, no, "approved").await;
    // The link as the bidder receives it, on this test's portal.
    let sms = first_sms(&s).await;
    let text = sms["text"].as_str().unwrap();
    let path = &text[text.find("/pay/").expect("a link")..];
    let url = format!("http://{}{path}", s.portal);

    let mut b = Browser::launch(390, 844)
        .await
        .expect("headless chromium (tests/run.sh installs it)");
    b.goto(&url).await.unwrap();
    let title = b
        .eval("document.querySelector('h2').textContent")
        .await
        .unwrap();
    assert_eq!(title, json!("福州市榕华中学智慧校园运维服务采购项目"));
    let premium = b
        .eval("document.querySelector('.premium').textContent")
        .await
        .unwrap();
    assert_eq!(premium, json!("¥239.60"));

    // A mistake: the ID number's check digit. The page comes back with the
    // message next to the field, and everything typed still there.
    let profile = crate::portal::profile(p);
    for (field, value) in profile.as_object().unwrap() {
        b.fill(&format!("#{field}"), value.as_str().unwrap())
            .await
            .unwrap();
    }
    b.fill("#bidderpersoncard", "350104197203050571")
        .await
        .unwrap();
    b.click_and_wait("#profile button").await.unwrap();
    let error = b
        .eval("document.querySelector('#bidderpersoncard-error').textContent")
        .await
        .unwrap();
    assert!(
        error.as_str().unwrap().contains("身份证号码无效"),
        "{error}"
    );
    let kept = b
        .eval("document.querySelector('#bidderemail').value")
        .await
        .unwrap();
    assert_eq!(kept, json!("lin@example.com"));
    let kept = b
        .eval("document.querySelector('#bidderpersoncard').value")
        .await
        .unwrap();
    assert_eq!(kept, json!("350104197203050571"));
    let marked = b
        .eval("document.querySelector('#bidderpersoncard').getAttribute('aria-invalid')")
        .await
        .unwrap();
    assert_eq!(marked, json!("true"));
    b.eval("document.querySelector('#bidderpersoncard').scrollIntoView({block: 'center'})")
        .await
        .unwrap();
    save(&b.screenshot().await.unwrap(), "portal-phone-error.png");

    b.fill("#bidderpersoncard", "350104197203050570")
        .await
        .unwrap();
    b.click_and_wait("#profile button").await.unwrap();
    let errors = b
        .eval("document.querySelectorAll('.err').length")
        .await
        .unwrap();
    assert_eq!(errors, json!(0));

    // The uploads, chosen as files.
    let dir = std::env::temp_dir().join(format!("baohan-web-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pdf, png) = (dir.join("资质.pdf"), dir.join("licence.png"));
    std::fs::write(&pdf, PDF).unwrap();
    std::fs::write(&png, PNG).unwrap();
    b.choose_file("#qualification", &pdf).await.unwrap();
    b.choose_file("#businesslicense", &png).await.unwrap();
    b.click_and_wait("#documents button").await.unwrap();
    let uploaded = b
        .eval("document.querySelectorAll('#documents .ok').length")
        .await
        .unwrap();
    assert_eq!(uploaded, json!(2));

    // What the bidder sees before paying: the screenshot docs/ shows.
    b.eval("window.scrollTo(0, 0)").await.unwrap();
    save(&b.screenshot().await.unwrap(), "portal-phone.png");

    b.click_and_wait("button[value=sandbox]").await.unwrap();
    let done = b
        .eval("document.querySelector('#payment h2').textContent")
        .await
        .unwrap();
    assert_eq!(done, json!("缴费完成"));
    b.close().await;
    std::fs::remove_dir_all(&dir).unwrap();

    let view = s.wait_for(p, no, "paid").await;
    assert_eq!(view["payments"][0]["channel"], json!("sandbox"));
    let owed = s.callbacks(p, no).await;
    assert_eq!(owed.len(), 2);
    assert_eq!(owed[1].1["applicationStatus"], json!("05"));
    assert_eq!(owed[1].1["payAmt"], json!("239.60"));
    s.stop().await;
}

fn save(png: &[u8], name: &str) {
    assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    let dir = std::env::var_os("BAOHAN_SCREENSHOT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| baohan_tests::platform::repo().join("target"));
    // A clone whose builds go to another CARGO_TARGET_DIR has no target/.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}
