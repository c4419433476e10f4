//! The command-line contract. Names and flags are fixed (see README);
//! additions are fine, changes are not.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "baohanctl",
    version,
    about = "国密 and platform-protocol tools for baohan integrators"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// SM2, SM3 and SM4 primitives.
    #[command(subcommand)]
    Gm(GmCommand),
    /// The Fujian bid-guarantee protocol.
    #[command(subcommand)]
    Fujian(FujianCommand),
    /// The ELY performance-guarantee protocol.
    #[command(subcommand)]
    Ely(ElyCommand),
    /// Says which known sign and cipher variants a captured request matches.
    #[command(subcommand)]
    Diagnose(DiagnoseCommand),
    /// Republishes journal messages into one work queue (after an
    /// incident); consumers skip what they applied before.
    Replay(ReplayArgs),
    /// The callbacks owed to the platforms: list them, resend them.
    #[command(subcommand)]
    Callbacks(CallbacksCommand),
    /// The dead-letter queues: what is parked, and moving it back.
    #[command(subcommand)]
    Dlq(DlqCommand),
}

/// Where the settings come from, for the commands that reach the store or
/// the broker.
#[derive(Args)]
pub struct ConfigArg {
    /// The TOML settings; else BAOHAN_CONFIG, else config/local.toml.
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
}

#[derive(Subcommand)]
pub enum CallbacksCommand {
    /// Callbacks, oldest first, without their payloads.
    List {
        #[arg(long, value_parser = ["pending", "delivered", "dead"])]
        status: Option<String>,
        #[arg(long)]
        platform: Option<String>,
        /// The application's number on the platform (applyno,
        /// applicationId) or its id.
        #[arg(long)]
        application: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 200)]
        limit: i64,
        /// One JSON object a line, for scripts.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Makes callbacks pending and due now, their schedule and deadline
    /// started afresh, and wakes the notifier for them.
    Resend {
        /// The callbacks' ids.
        #[arg(required_unless_present = "dead", conflicts_with = "dead")]
        ids: Vec<String>,
        /// Every dead callback (narrowed by --platform and --since).
        #[arg(long)]
        dead: bool,
        #[arg(long, requires = "dead")]
        platform: Option<String>,
        /// Only those that died (their last attempt) at or after this
        /// moment (RFC 3339).
        #[arg(long, requires = "dead")]
        since: Option<String>,
        /// Who resends, for the record; else $USER.
        #[arg(long)]
        operator: Option<String>,
        /// Do not ask before resending.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        config: ConfigArg,
    },
}

#[derive(Subcommand)]
pub enum DlqCommand {
    /// Without a queue: how many messages each dead-letter queue holds.
    /// With one: its messages (metadata only), left in place.
    List {
        #[arg(value_enum)]
        queue: Option<QueueName>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Moves what a dead-letter queue holds back to its work queue.
    Redrive {
        #[arg(value_enum)]
        queue: QueueName,
        /// Do not ask before moving.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        config: ConfigArg,
    },
}

#[derive(Args)]
pub struct ReplayArgs {
    /// Start at this moment (RFC 3339, e.g. 2026-11-30T09:00:00+08:00);
    /// without it, the oldest message the journal keeps.
    #[arg(long)]
    pub since: Option<String>,
    /// Stop after this moment (RFC 3339); without it, when the replay
    /// started.
    #[arg(long)]
    pub until: Option<String>,
    /// Only messages whose routing key matches this topic pattern:
    /// `callback.#`, `ely.ely101`, `application.*`.
    #[arg(long)]
    pub kind: Option<String>,
    /// Only this platform's messages.
    #[arg(long)]
    pub platform: Option<String>,
    /// Only into this queue; without it, every queue the bindings name.
    #[arg(long, value_enum)]
    pub queue: Option<QueueName>,
    /// Count what would be replayed, publish nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before republishing.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub config: ConfigArg,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum QueueName {
    Underwriting,
    Issuance,
    Claims,
    Refunds,
    Notifier,
}

impl QueueName {
    pub fn work_queue(self) -> baohan_bus::WorkQueue {
        use baohan_bus::WorkQueue;
        match self {
            QueueName::Underwriting => WorkQueue::Underwriting,
            QueueName::Issuance => WorkQueue::Issuance,
            QueueName::Claims => WorkQueue::Claims,
            QueueName::Refunds => WorkQueue::Refunds,
            QueueName::Notifier => WorkQueue::Notifier,
        }
    }
}

#[derive(Subcommand)]
pub enum GmCommand {
    /// SM3 of stdin, as lowercase hex.
    Sm3,
    /// SM4: stdin to stdout.
    #[command(subcommand)]
    Sm4(Sm4Command),
    /// SM2 keys, encryption and signatures.
    #[command(subcommand)]
    Sm2(Sm2Command),
    /// SM2 certificates for local use: a test CA, and the institution's
    /// certificate for signing letters (never for production).
    #[command(subcommand)]
    Cert(CertCommand),
}

#[derive(Subcommand)]
pub enum CertCommand {
    /// A self-signed test CA: writes ca-cert.pem and ca-key.pem.
    Ca {
        /// RFC 4514, e.g. "CN=baohan test CA,O=示范融资担保有限公司,C=CN".
        #[arg(long)]
        subject: String,
        #[arg(long, default_value_t = 3650)]
        days: u64,
        #[arg(long)]
        out_dir: std::path::PathBuf,
    },
    /// A signing certificate from the CA: writes cert.pem and key.pem.
    Issue {
        /// The CA's certificate and key (PEM), as `ca` wrote them.
        #[arg(long)]
        ca_cert: std::path::PathBuf,
        #[arg(long)]
        ca_key: std::path::PathBuf,
        #[arg(long)]
        subject: String,
        #[arg(long, default_value_t = 825)]
        days: u64,
        #[arg(long)]
        out_dir: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
pub enum Sm4Command {
    Encrypt(Sm4Args),
    Decrypt(Sm4Args),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Sm4Mode {
    Ecb,
    Cbc,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Enc {
    Base64,
    Hex,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum EncAuto {
    Auto,
    Base64,
    Hex,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    C1c3c2,
    C1c2c3,
    Der,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatAuto {
    Auto,
    C1c3c2,
    C1c2c3,
    Der,
}

#[derive(Args)]
pub struct Sm4Args {
    /// 32 hex characters, Base64 of 16 bytes, a 16-character text, or @file.
    #[arg(long)]
    pub key: String,
    #[arg(long, value_enum, default_value = "ecb")]
    pub mode: Sm4Mode,
    /// The CBC IV, in the same forms as the key.
    #[arg(long)]
    pub iv: Option<String>,
    #[arg(long, value_enum, default_value = "base64")]
    pub encoding: Enc,
}

#[derive(Subcommand)]
pub enum Sm2Command {
    /// Prints a new key pair; with --out-dir, also writes PEM files.
    Keygen {
        #[arg(long)]
        out_dir: Option<std::path::PathBuf>,
    },
    /// Encrypts stdin to a public key.
    Encrypt {
        #[arg(long)]
        public_key: String,
        #[arg(long, value_enum, default_value = "c1c3c2")]
        format: Format,
        /// Leave out the 0x04 byte before C1.
        #[arg(long)]
        no_prefix: bool,
        #[arg(long, value_enum, default_value = "base64")]
        encoding: Enc,
    },
    /// Decrypts stdin, detecting the layout unless one is named.
    Decrypt {
        #[arg(long)]
        private_key: String,
        #[arg(long, value_enum, default_value = "auto")]
        format: FormatAuto,
        #[arg(long, value_enum, default_value = "auto")]
        encoding: EncAuto,
        /// Print the matched layout on stderr.
        #[arg(long)]
        explain: bool,
    },
    /// Signs stdin; prints hex r‖s, or DER with --der.
    Sign {
        #[arg(long)]
        private_key: String,
        #[arg(long, default_value = baohan_gm::sm2::DEFAULT_USER_ID)]
        id: String,
        #[arg(long)]
        der: bool,
    },
    /// Verifies a signature (hex r‖s or DER) over stdin.
    Verify {
        #[arg(long)]
        public_key: String,
        #[arg(long)]
        signature: String,
        #[arg(long, default_value = baohan_gm::sm2::DEFAULT_USER_ID)]
        id: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Sort {
    Bytes,
    IgnoreCase,
}

#[derive(Args)]
pub struct FieldCipherArgs {
    /// The interface name, e.g. baohanapply.
    #[arg(long)]
    pub interface: String,
    #[arg(long)]
    pub sm4_key: String,
    #[arg(long, value_enum, default_value = "ecb")]
    pub mode: Sm4Mode,
    #[arg(long)]
    pub iv: Option<String>,
    #[arg(long, value_enum, default_value = "base64")]
    pub encoding: Enc,
}

#[derive(Subcommand)]
pub enum FujianCommand {
    /// Prints the sign string and the sign for the JSON on stdin.
    Sign {
        #[arg(long)]
        appsecret: String,
        #[arg(long, value_enum, default_value = "bytes")]
        sort: Sort,
    },
    /// Checks the `sign` of the JSON on stdin.
    Verify {
        #[arg(long)]
        appsecret: String,
        #[arg(long, value_enum, default_value = "bytes")]
        sort: Sort,
    },
    /// Encrypts the interface's 密文 fields.
    EncryptFields(FieldCipherArgs),
    /// Decrypts the interface's 密文 fields.
    DecryptFields(FieldCipherArgs),
}

#[derive(Subcommand)]
pub enum ElyCommand {
    /// Wraps the business JSON on stdin into a wire request.
    Seal {
        #[arg(long)]
        transcode: String,
        #[arg(long)]
        appid: String,
        #[arg(long)]
        appkey: String,
        #[arg(long)]
        appsecret: String,
        /// The receiver's SM2 public key.
        #[arg(long)]
        peer_public_key: String,
        /// yyyyMMddHHmmss; default now (Asia/Shanghai).
        #[arg(long)]
        reqtime: Option<String>,
        /// 32 hex characters; default a fresh UUID.
        #[arg(long)]
        msgcode: Option<String>,
        /// Use the digital envelope (default for ELY104).
        #[arg(long)]
        envelope: bool,
        #[arg(long, value_enum, default_value = "c1c3c2")]
        format: Format,
        #[arg(long)]
        no_prefix: bool,
        #[arg(long, default_value = "v1.0")]
        version: String,
    },
    /// Wraps the business response JSON on stdin (`{}` for none) into a
    /// wire response; ELY103's goes in a digital envelope.
    SealResponse {
        #[arg(long)]
        transcode: String,
        /// The receiver's (the platform's) SM2 public key.
        #[arg(long)]
        peer_public_key: String,
        #[arg(long, default_value = "000")]
        code: String,
        #[arg(long)]
        message: Option<String>,
        #[arg(long, value_enum, default_value = "c1c3c2")]
        format: Format,
        #[arg(long)]
        no_prefix: bool,
    },
    /// Opens a wire request: prints the business JSON and what was checked.
    Open {
        #[arg(long)]
        appkey: String,
        #[arg(long)]
        appsecret: String,
        /// Our SM2 private key (the receiver's).
        #[arg(long)]
        private_key: String,
        /// Refuse a reqtime outside this many seconds of now (default: report only).
        #[arg(long)]
        clock_window: Option<i64>,
    },
}

#[derive(Subcommand)]
pub enum DiagnoseCommand {
    /// A captured Fujian request on stdin.
    Fujian {
        #[arg(long)]
        appsecret: String,
        /// The SM4 key, to try the 密文 field variants.
        #[arg(long)]
        sm4_key: Option<String>,
        /// The CBC IV, if the platform might use CBC.
        #[arg(long)]
        iv: Option<String>,
        /// The interface name; default: guessed from the fields.
        #[arg(long)]
        interface: Option<String>,
    },
    /// A captured ELY request on stdin.
    Ely {
        #[arg(long)]
        appkey: String,
        #[arg(long)]
        appsecret: String,
        #[arg(long)]
        private_key: String,
    },
}
