//! A multipart form as the portal's page reads one (warp's multipart,
//! each part read up to its limit), under a boundary of the input's own.
#![no_main]

use futures_util::StreamExt;
use libfuzzer_sys::fuzz_target;
use warp::Filter;

fuzz_target!(|input: &[u8]| {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(_) => return,
    };
    let form = warp::multipart::form().max_length(64 * 1024).and_then(
        |mut form: warp::multipart::FormData| async move {
            let mut parts = 0usize;
            while let Some(Ok(part)) = form.next().await {
                let _ = (
                    part.name().to_owned(),
                    part.filename().map(str::to_owned),
                    part.content_type().map(str::to_owned),
                );
                let _ = baohan_http::read_limited(part.stream(), 16 * 1024).await;
                parts += 1;
            }
            Ok::<_, warp::Rejection>(parts.to_string())
        },
    );
    runtime.block_on(async {
        let _ = warp::test::request()
            .method("POST")
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body(bytes::Bytes::copy_from_slice(input))
            .filter(&form)
            .await;
    });
});
