//! Debian's headless Chromium, driven over the DevTools protocol on a pair
//! of named pipes (`--remote-debugging-pipe`): no WebSocket client, no
//! browser download. Enough of the protocol for a person's path through a
//! page: open it, type, choose files, press buttons, read it, photograph it.

use base64::Engine;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::pipe;

pub struct Browser {
    child: tokio::process::Child,
    to: pipe::Sender,
    from: BufReader<pipe::Receiver>,
    next: u64,
    session: String,
    dir: PathBuf,
}

/// The flags the project runs Chromium with, everywhere.
pub const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--remote-debugging-pipe",
];

impl Browser {
    /// Starts Chromium with one page, `width`×`height` CSS pixels as a
    /// phone shows them.
    pub async fn launch(width: u32, height: u32) -> Result<Browser, String> {
        let dir = std::env::temp_dir().join(format!("baohan-chromium-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let (input, output) = (dir.join("in"), dir.join("out"));
        for fifo in [&input, &output] {
            let made = std::process::Command::new("mkfifo")
                .arg(fifo)
                .status()
                .map_err(|e| format!("mkfifo: {e}"))?;
            if !made.success() {
                return Err(format!("mkfifo {} failed", fifo.display()));
            }
        }
        // Chromium reads commands on fd 3 and writes answers on fd 4.
        let script = format!(
            "exec chromium {} --user-data-dir={} about:blank 3<{} 4>{}",
            FLAGS.join(" "),
            dir.join("profile").display(),
            input.display(),
            output.display()
        );
        let child = tokio::process::Command::new("bash")
            .arg("-c")
            .arg(script)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("chromium: {e} (apt-get install chromium)"))?;
        // The write end opens once Chromium's shell is waiting to read.
        let mut to = None;
        for _ in 0..200 {
            match pipe::OpenOptions::new().open_sender(&input) {
                Ok(s) => {
                    to = Some(s);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        let to = to.ok_or("chromium did not open its command pipe")?;
        let from = pipe::OpenOptions::new()
            .open_receiver(&output)
            .map_err(|e| e.to_string())?;
        let mut b = Browser {
            child,
            to,
            from: BufReader::new(from),
            next: 0,
            session: String::new(),
            dir,
        };
        let target = b
            .call(None, "Target.createTarget", json!({"url": "about:blank"}))
            .await?;
        let attached = b
            .call(
                None,
                "Target.attachToTarget",
                json!({"targetId": target["targetId"], "flatten": true}),
            )
            .await?;
        b.session = attached["sessionId"]
            .as_str()
            .ok_or("no session")?
            .to_owned();
        b.page(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 2, "mobile": true}),
        )
        .await?;
        b.page("Page.enable", json!({})).await?;
        Ok(b)
    }

    async fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, String> {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        self.to.write_all(&bytes).await.map_err(|e| e.to_string())?;
        loop {
            let mut frame = Vec::new();
            let read =
                tokio::time::timeout(Duration::from_secs(30), self.from.read_until(0, &mut frame))
                    .await
                    .map_err(|_| format!("{method}: no answer in 30 s"))?
                    .map_err(|e| e.to_string())?;
            if read == 0 {
                return Err("chromium closed its pipe".into());
            }
            frame.pop();
            let answer: Value = serde_json::from_slice(&frame).map_err(|e| e.to_string())?;
            // Events (no id) and other answers are not waited for here.
            if answer["id"] == json!(id) {
                if let Some(e) = answer.get("error") {
                    return Err(format!("{method}: {e}"));
                }
                return Ok(answer["result"].clone());
            }
        }
    }

    /// A command to the page.
    pub async fn page(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let session = self.session.clone();
        self.call(Some(&session), method, params).await
    }

    /// The value of a JavaScript expression in the page.
    pub async fn eval(&mut self, expression: &str) -> Result<Value, String> {
        let r = self
            .page(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true}),
            )
            .await?;
        if let Some(e) = r.get("exceptionDetails") {
            return Err(format!("{expression}: {e}"));
        }
        Ok(r["result"]["value"].clone())
    }

    /// Opens `url` and waits for the page to load.
    pub async fn goto(&mut self, url: &str) -> Result<(), String> {
        self.eval("window.__baohan_old = true").await.ok();
        self.page("Page.navigate", json!({"url": url})).await?;
        self.settle().await
    }

    /// Clicks what `selector` finds, and waits for the page it leads to.
    pub async fn click_and_wait(&mut self, selector: &str) -> Result<(), String> {
        let js = format!(
            "window.__baohan_old = true; document.querySelector({}).click(); true",
            json!(selector)
        );
        self.eval(&js).await?;
        self.settle().await
    }

    /// Waits until a new document has loaded.
    async fn settle(&mut self) -> Result<(), String> {
        for _ in 0..200 {
            // Fails while the old document is being torn down: not yet.
            let done = self
                .eval("!window.__baohan_old && document.readyState === 'complete'")
                .await;
            if matches!(done, Ok(Value::Bool(true))) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("the page never finished loading".into())
    }

    /// Types `value` into the input `selector` finds.
    pub async fn fill(&mut self, selector: &str, value: &str) -> Result<(), String> {
        let js = format!(
            "(() => {{ const e = document.querySelector({}); e.value = {}; return true; }})()",
            json!(selector),
            json!(value)
        );
        match self.eval(&js).await? {
            Value::Bool(true) => Ok(()),
            other => Err(format!("fill {selector}: {other}")),
        }
    }

    /// Chooses `file` in the file input `selector` finds.
    pub async fn choose_file(&mut self, selector: &str, file: &Path) -> Result<(), String> {
        let doc = self.page("DOM.getDocument", json!({})).await?;
        let node = self
            .page(
                "DOM.querySelector",
                json!({"nodeId": doc["root"]["nodeId"], "selector": selector}),
            )
            .await?;
        self.page(
            "DOM.setFileInputFiles",
            json!({"nodeId": node["nodeId"], "files": [file.display().to_string()]}),
        )
        .await?;
        Ok(())
    }

    /// A PNG of what the screen shows now.
    pub async fn screenshot(&mut self) -> Result<Vec<u8>, String> {
        let r = self
            .page("Page.captureScreenshot", json!({"format": "png"}))
            .await?;
        base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().unwrap_or(""))
            .map_err(|e| e.to_string())
    }

    pub async fn close(mut self) {
        let _ = self.call(None, "Browser.close", json!({})).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
        let _ = self.child.kill().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
