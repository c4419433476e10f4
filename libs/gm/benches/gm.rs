//! Throughput of the primitives on this machine. Figures go in the README.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baohan_gm::sm2::{self, Accept, Layout, PrivateKey};
use baohan_gm::sm3;
use baohan_gm::sm4::{self, Mode, Sm4Key};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// A typical ELY101 business JSON is a little under 1 KiB.
const MESSAGE: &[u8] = &[b'x'; 800];

fn sm2_benches(c: &mut Criterion) {
    let sk = PrivateKey::generate();
    let pk = sk.public_key();
    let ct = sm2::encrypt(&pk, Layout::DEFAULT, MESSAGE).unwrap();
    let sig = sm2::sign(&sk, sm2::DEFAULT_USER_ID, MESSAGE).unwrap();
    let mut g = c.benchmark_group("sm2");
    g.bench_function("encrypt 800 B", |b| {
        b.iter(|| sm2::encrypt(&pk, Layout::DEFAULT, black_box(MESSAGE)))
    });
    g.bench_function("decrypt 800 B", |b| {
        b.iter(|| sm2::decrypt(&sk, black_box(&ct), Accept::default()))
    });
    let der = sm2::encrypt(&pk, Layout::new(sm2::CipherFormat::Der, false), MESSAGE).unwrap();
    g.bench_function("decrypt 800 B, DER found last", |b| {
        b.iter(|| sm2::decrypt(&sk, black_box(&der), Accept::default()))
    });
    g.bench_function("sign", |b| {
        b.iter(|| sm2::sign(&sk, sm2::DEFAULT_USER_ID, black_box(MESSAGE)))
    });
    g.bench_function("verify", |b| {
        b.iter(|| sm2::verify(&pk, sm2::DEFAULT_USER_ID, black_box(MESSAGE), &sig))
    });
    g.finish();
}

fn bulk_benches(c: &mut Criterion) {
    let mib = vec![0x5au8; 1 << 20];
    let key = Sm4Key::parse("0123456789abcdeffedcba9876543210").unwrap();
    let ct = sm4::encrypt(&key, &Mode::Ecb, &mib);
    let mut g = c.benchmark_group("bulk");
    g.throughput(Throughput::Bytes(mib.len() as u64));
    g.sample_size(20);
    g.bench_function("sm3 1 MiB", |b| b.iter(|| sm3::digest(black_box(&mib))));
    g.bench_function("sm4-ecb encrypt 1 MiB", |b| {
        b.iter(|| sm4::encrypt(&key, &Mode::Ecb, black_box(&mib)))
    });
    g.bench_function("sm4-ecb decrypt 1 MiB", |b| {
        b.iter(|| sm4::decrypt(&key, &Mode::Ecb, black_box(&ct)))
    });
    let cbc = Mode::Cbc { iv: [7; 16] };
    g.bench_function("sm4-cbc encrypt 1 MiB", |b| {
        b.iter(|| sm4::encrypt(&key, &cbc, black_box(&mib)))
    });
    g.finish();
}

criterion_group!(benches, sm2_benches, bulk_benches);
criterion_main!(benches);
