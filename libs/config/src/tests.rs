use super::*;
use crate::PlatformKind;
use std::io::Write;

fn local() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/local.toml")
}

fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Settings::load_with_env(&local(), vars)
}

fn with_platform_key(key: &str, value: &str) -> Result<Settings, ConfigError> {
    let mut table = source::read_file(&local()).unwrap();
    let platforms = table["platforms"].as_array_mut().unwrap();
    platforms[1]
        .as_table_mut()
        .unwrap()
        .insert(key.into(), toml::Value::String(value.into()));
    Settings::from_table(table, Path::new("test.toml"))
}

#[test]
fn the_local_config_loads_both_demo_platforms() {
    let s = load(&[]).unwrap();
    assert_eq!(s.ingress.listen.port(), 8080);
    assert_eq!(s.portal.listen.port(), 8081);
    assert_eq!(s.ops.listen.port(), 8082);
    let fujian = s.platforms.fujian("FJDEMO0001").unwrap();
    assert_eq!(fujian.id.as_str(), "fujian-demo");
    let ely = s.platforms.ely("BANKDEMO0001").unwrap();
    assert!(matches!(ely.kind, PlatformKind::Ely { .. }));
    assert!(s.platforms.fujian("BANKDEMO0001").is_none());
}

#[test]
fn environment_overrides_take_the_type_of_the_key_they_replace() {
    let s = load(&[
        ("BAOHAN_DATABASE__POOL_SIZE", "32"),
        ("BAOHAN_BROKER__PREFIX", "run-7"),
        ("BAOHAN_PLATFORMS__ELY_DEMO__APPKEY", "12345"),
        ("BAOHAN_CONFIG", "ignored.toml"),
    ])
    .unwrap();
    assert_eq!(s.database.pool_size, 32);
    assert_eq!(s.broker.prefix, "run-7");
    let PlatformKind::Ely { profile, .. } = &s.platforms.ely("BANKDEMO0001").unwrap().kind else {
        panic!("ely-demo is ely")
    };
    assert_eq!(profile.appkey, "12345");
}

#[test]
fn a_bad_override_names_the_variable_and_the_key() {
    let e = load(&[("BAOHAN_DATABASE__POOL_SIZE", "many")]).unwrap_err();
    assert_eq!(e.origin, "environment variable BAOHAN_DATABASE__POOL_SIZE");
    assert_eq!(e.key, "database.pool_size");
    assert!(e.reason.contains("not an integer"), "{e}");
    let e = load(&[("BAOHAN_PLATFORMS__NOPE__APPKEY", "x")]).unwrap_err();
    assert!(
        e.reason.contains("no element of platforms has id nope"),
        "{e}"
    );
}

#[test]
fn secrets_are_read_from_files_named_by_a_file_key() {
    let dir = std::env::temp_dir().join(format!("baohan-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("appsecret");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(b"from-a-mounted-secret\n")
        .unwrap();
    let mut table = source::read_file(&local()).unwrap();
    let ely = table["platforms"].as_array_mut().unwrap()[1]
        .as_table_mut()
        .unwrap();
    ely.remove("appsecret");
    ely.insert(
        "appsecret_file".into(),
        toml::Value::String(path.display().to_string()),
    );
    let s = Settings::from_table(table, Path::new("test.toml")).unwrap();
    let PlatformKind::Ely { profile, .. } = &s.platforms.ely("BANKDEMO0001").unwrap().kind else {
        panic!("ely-demo is ely")
    };
    assert_eq!(profile.appsecret.expose(), "from-a-mounted-secret");
    assert_eq!(format!("{:?}", profile.appsecret), "***");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn both_a_key_and_its_file_is_refused() {
    let e = with_platform_key("appsecret_file", "/nonexistent").unwrap_err();
    assert_eq!(e.key, "platforms[1].appsecret_file");
    assert!(e.reason.contains("not both"), "{e}");
}

#[test]
fn a_bad_key_stops_the_start_with_file_key_and_reason() {
    let e = with_platform_key("our_private_key", "not-a-key").unwrap_err();
    assert_eq!(e.origin, "test.toml");
    assert_eq!(e.key, "platforms[1].our_private_key");
    assert!(
        e.to_string()
            .starts_with("test.toml: platforms[1].our_private_key: ")
    );

    let e = with_platform_key("sm2_format", "c3c2c1").unwrap_err();
    assert_eq!(e.key, "platforms[1].sm2_format");

    let e = with_platform_key("callback_url", "ftp://x").unwrap_err();
    assert_eq!(e.key, "platforms[1].callback_url");
}

#[test]
fn a_typo_in_a_key_is_refused_not_ignored() {
    let e = with_platform_key("apsecret", "x").unwrap_err();
    assert_eq!(e.key, "platforms[1].apsecret");
    assert!(e.reason.contains("unknown field `apsecret`"), "{e}");

    let mut table = source::read_file(&local()).unwrap();
    table["database"]
        .as_table_mut()
        .unwrap()
        .insert("pool".into(), toml::Value::Integer(3));
    let e = Settings::from_table(table, Path::new("t.toml")).unwrap_err();
    assert_eq!(e.key, "database.pool");
    assert!(e.reason.contains("unknown field `pool`"), "{e}");
}

#[test]
fn duplicate_platform_ids_and_appids_are_refused() {
    let mut table = source::read_file(&local()).unwrap();
    let platforms = table["platforms"].as_array_mut().unwrap();
    let copy = platforms[1].clone();
    platforms.push(copy);
    let e = Settings::from_table(table, Path::new("t.toml")).unwrap_err();
    assert_eq!(e.key, "platforms[2].id");
}

#[test]
fn platform_ids_are_restricted_to_what_names_can_carry() {
    assert!(PlatformId::parse("ely-demo").is_some());
    for bad in ["", "Ely", "ely demo", "ely.demo", &"x".repeat(65)] {
        assert!(PlatformId::parse(bad).is_none(), "{bad:?}");
    }
}

#[test]
fn underwriting_tariffs_fall_back_to_the_protocols_default() {
    let s = load(&[]).unwrap();
    let u = &s.underwriting;
    use baohan_domain::Protocol;
    let other = Protocol::parse("other").unwrap();
    assert_eq!(u.tariff(&Protocol::Ely, "工程类").unwrap().rate.ppm(), 3000);
    assert_eq!(u.tariff(&Protocol::Ely, "服务类").unwrap().rate.ppm(), 2000);
    assert_eq!(
        u.tariff(&Protocol::Fujian, "施工").unwrap().minimum_fen,
        10_000
    );
    assert!(u.tariff(&other, "x").is_none());
    assert_eq!(u.rules.refer_above_fen, 300_000_000);
}

#[test]
fn a_bad_underwriting_setting_names_its_key() {
    let e = load(&[("BAOHAN_UNDERWRITING__MAX_AMOUNT_FEN", "0")]).unwrap_err();
    assert_eq!(e.key, "underwriting.max_amount_fen");
    let mut table = source::read_file(&local()).unwrap();
    let u = table["underwriting"].as_table_mut().unwrap();
    u.insert(
        "blocklist".into(),
        toml::Value::Array(vec![toml::Value::String("91350102MA2YK8QD4B".into())]),
    );
    let e = Settings::from_table(table, Path::new("test.toml")).unwrap_err();
    assert_eq!(e.key, "underwriting.blocklist[0]");
    assert!(e.reason.contains("check character"), "{e}");

    let mut table = source::read_file(&local()).unwrap();
    let tariffs = table["underwriting"]["tariffs"].as_array_mut().unwrap();
    tariffs[0]
        .as_table_mut()
        .unwrap()
        .insert("rate".into(), toml::Value::String("1.5%".into()));
    let e = Settings::from_table(table, Path::new("test.toml")).unwrap_err();
    assert_eq!(e.key, "underwriting.tariffs[0].rate");

    let mut table = source::read_file(&local()).unwrap();
    table["underwriting"]["tariffs"]
        .as_array_mut()
        .unwrap()
        .retain(|t| t["protocol"].as_str() != Some("ely"));
    let e = Settings::from_table(table, Path::new("test.toml")).unwrap_err();
    assert_eq!(e.key, "underwriting.tariffs");
    assert!(e.reason.contains("ely"), "{e}");
}

fn with_table(edit: impl FnOnce(&mut toml::Table)) -> Result<Settings, ConfigError> {
    let mut table = source::read_file(&local()).unwrap();
    edit(&mut table);
    Settings::from_table(table, Path::new("test.toml"))
}

#[test]
fn production_refuses_plain_http_callbacks_and_names_the_platform() {
    // The local config is dev: its stub is plain http.
    assert_eq!(load(&[]).unwrap().environment, Environment::Dev);
    let e = with_table(|t| {
        t.remove("environment");
    })
    .unwrap_err();
    assert_eq!(e.key, "platforms[0].insecure_http");
    assert!(e.reason.contains("production"), "{e}");
    // Without insecure_http, an http:// callback is refused in any
    // environment, with the key that would allow it named.
    let e = with_table(|t| {
        let p = t["platforms"].as_array_mut().unwrap()[1]
            .as_table_mut()
            .unwrap();
        p.insert("insecure_http".into(), toml::Value::Boolean(false));
    })
    .unwrap_err();
    assert_eq!(e.key, "platforms[1].callback_url");
    assert!(e.reason.contains("insecure_http"), "{e}");
}

#[test]
fn sources_envelopes_and_extra_fields_are_parsed_at_start() {
    let s = with_table(|t| {
        let ps = t["platforms"].as_array_mut().unwrap();
        let fj = ps[0].as_table_mut().unwrap();
        fj.insert(
            "allowed_sources".into(),
            toml::Value::Array(vec!["192.0.2.0/24".into()]),
        );
        fj.insert(
            "extra_fields".into(),
            toml::Value::Array(vec!["platformtrace".into()]),
        );
        let ely = ps[1].as_table_mut().unwrap();
        ely.insert(
            "envelope_transcodes".into(),
            toml::Value::Array(vec!["ELY104".into(), "ely103".into()]),
        );
    })
    .unwrap();
    let fj = s.platforms.fujian("FJDEMO0001").unwrap();
    assert!(fj.allows_source("192.0.2.9".parse().unwrap()));
    assert!(!fj.allows_source("198.51.100.1".parse().unwrap()));
    let PlatformKind::Fujian { profile, .. } = &fj.kind else {
        panic!()
    };
    assert_eq!(profile.extra_fields, ["platformtrace"]);
    let PlatformKind::Ely { profile, .. } = &s.platforms.ely("BANKDEMO0001").unwrap().kind else {
        panic!()
    };
    use baohan_protocol::ely::Transcode;
    assert_eq!(
        profile.envelope_transcodes,
        [Transcode::Ely104, Transcode::Ely103]
    );
    // The default is ELY104 alone.
    let local = load(&[]).unwrap();
    let PlatformKind::Ely { profile, .. } = &local.platforms.ely("BANKDEMO0001").unwrap().kind
    else {
        panic!()
    };
    assert_eq!(profile.envelope_transcodes, [Transcode::Ely104]);

    for code in ["ELY102", "ELY101", "ELY105", "ELY107", "ELY109"] {
        let e = with_table(|t| {
            let ely = t["platforms"].as_array_mut().unwrap()[1]
                .as_table_mut()
                .unwrap();
            ely.insert(
                "envelope_transcodes".into(),
                toml::Value::Array(vec![code.into()]),
            );
        })
        .unwrap_err();
        assert_eq!(e.key, "platforms[1].envelope_transcodes[0]", "{code}");
    }
    // A field another interface defines cannot be allowed as an extra.
    let e = with_table(|t| {
        let fj = t["platforms"].as_array_mut().unwrap()[0]
            .as_table_mut()
            .unwrap();
        fj.insert(
            "extra_fields".into(),
            toml::Value::Array(vec!["baohanno".into()]),
        );
    })
    .unwrap_err();
    assert_eq!(e.key, "platforms[0].extra_fields[0]");
    assert!(e.reason.contains("is a field of"), "{e}");
    let e = with_table(|t| {
        let fj = t["platforms"].as_array_mut().unwrap()[0]
            .as_table_mut()
            .unwrap();
        fj.insert(
            "allowed_sources".into(),
            toml::Value::Array(vec!["10.0.0.0/40".into()]),
        );
    })
    .unwrap_err();
    assert_eq!(e.key, "platforms[0].allowed_sources[0]");
}

#[test]
fn operators_are_checked_at_start_and_never_print_their_digest() {
    let s = load(&[]).unwrap();
    let names: Vec<&str> = s.ops.operators.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["ops-admin", "ops-checker", "ops-viewer"]);
    let admin = &s.ops.operators[0];
    assert_eq!(
        admin.token_sm3,
        ops::token_digest("ops-admin-token-DEV-ONLY")
    );
    assert!(admin.has(Role::Payments) && !s.ops.operators[2].has(Role::Payments));
    let shown = format!("{admin:?}");
    assert!(
        !shown.contains("token") && !shown.contains("25, 29, 45"),
        "{shown}"
    );

    let operators = |edit: &dyn Fn(&mut toml::Table)| {
        with_table(|t| {
            let ops = t["ops"].as_table_mut().unwrap();
            let list = ops["operators"].as_array_mut().unwrap();
            edit(list[1].as_table_mut().unwrap());
        })
    };
    let e = operators(&|o| {
        o.insert("name".into(), "ops-admin".into());
    })
    .unwrap_err();
    assert_eq!(
        (e.key.as_str(), e.reason.as_str()),
        ("ops.operators[1].name", "used twice")
    );
    let e = operators(&|o| {
        o.insert("token_sm3".into(), "abc".into());
    })
    .unwrap_err();
    assert_eq!(e.key, "ops.operators[1].token_sm3");
    let e = operators(&|o| {
        o.insert("roles".into(), toml::Value::Array(vec!["root".into()]));
    })
    .unwrap_err();
    assert!(e.key.starts_with("ops.operators"), "{e}");
    // The old shared token is gone: a config that still has it says so.
    let e = with_table(|t| {
        t["ops"]
            .as_table_mut()
            .unwrap()
            .insert("token".into(), "x".repeat(20).into());
    })
    .unwrap_err();
    assert!(e.reason.contains("token"), "{e}");
}

#[test]
fn listener_bounds_have_defaults_and_limits() {
    let s = with_table(|t| {
        t.remove("http");
    })
    .unwrap();
    assert_eq!(s.http, baohan_http::Limits::default());
    let e = with_table(|t| {
        t["http"]
            .as_table_mut()
            .unwrap()
            .insert("header_timeout_secs".into(), 0.into());
    })
    .unwrap_err();
    assert_eq!(e.key, "http.header_timeout_secs");
    // The idle deadline must outlast the ingress's request timeout.
    let e = with_table(|t| {
        t["http"]
            .as_table_mut()
            .unwrap()
            .insert("idle_timeout_secs".into(), 15.into());
    })
    .unwrap_err();
    assert_eq!(e.key, "http.idle_timeout_secs");
}

#[test]
fn a_notifier_wait_no_delay_queue_holds_is_refused_at_start() {
    let mut table = source::read_file(&local()).unwrap();
    table["notifier"].as_table_mut().unwrap().insert(
        "schedule_secs".into(),
        toml::Value::try_from([5, 45]).unwrap(),
    );
    let e = Settings::from_table(table, Path::new("test.toml")).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("notifier.schedule_secs[1]"), "{text}");
    assert!(text.contains("broker.retry_delays_secs"), "{text}");
}

#[test]
fn the_old_workers_section_still_sets_underwritings_listener_with_a_warning() {
    let s = load(&[]).unwrap();
    assert_eq!(s.underwriting.listen.port(), 8083);
    assert!(s.deprecations.is_empty(), "{:?}", s.deprecations);
    let mut table = source::read_file(&local()).unwrap();
    table["underwriting"]
        .as_table_mut()
        .unwrap()
        .remove("listen");
    let mut old = toml::Table::new();
    old.insert("listen".into(), "127.0.0.1:9183".into());
    table.insert("workers".into(), toml::Value::Table(old));
    let s = Settings::from_table(table, Path::new("test.toml")).unwrap();
    assert_eq!(s.underwriting.listen.port(), 9183);
    assert_eq!(s.deprecations.len(), 1);
    assert!(s.deprecations[0].contains("[underwriting]"));
}
