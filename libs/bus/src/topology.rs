//! The whole RabbitMQ topology, declared from this one place. It is the
//! source for docs/operations.md; keep the two in step.
//!
//! ```text
//!  ingress ──► {p}.commands (topic) ──┬─► {p}.underwriting  ─┐
//!                                     ├─► {p}.issuance       │ quorum queues,
//!  workers ──► {p}.events   (topic) ──┼─► {p}.claims         │ x-delivery-limit,
//!                                     ├─► {p}.refunds        │ dead-lettered to
//!                                     ├─► {p}.notifier      ─┘ {p}.dead → {q}.dead
//!                                     └─► {p}.journal (stream: every command and event)
//!
//!  retry: {p}.delay.{n}s (fanout) ─► queue {p}.delay.{n}s (TTL n s)
//!         ─► dead-letters to {p}.redeliver (direct, key = target queue) ─► {q}
//! ```
//!
//! Everything is durable and declared idempotently: declaring with the same
//! arguments is a no-op, so every replica declares at start. Changing a
//! queue's arguments needs the queue deleted first (RabbitMQ refuses a
//! redeclare with other arguments); docs/operations.md says how.

use baohan_config::Broker;
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, ExchangeKind};
use std::time::Duration;

/// The queues workers consume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkQueue {
    Underwriting,
    Issuance,
    Claims,
    Refunds,
    Notifier,
}

impl WorkQueue {
    pub const ALL: [WorkQueue; 5] = [
        WorkQueue::Underwriting,
        WorkQueue::Issuance,
        WorkQueue::Claims,
        WorkQueue::Refunds,
        WorkQueue::Notifier,
    ];

    pub fn name(self) -> &'static str {
        match self {
            WorkQueue::Underwriting => "underwriting",
            WorkQueue::Issuance => "issuance",
            WorkQueue::Claims => "claims",
            WorkQueue::Refunds => "refunds",
            WorkQueue::Notifier => "notifier",
        }
    }
}

/// The two exchanges messages are published to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exchange {
    /// What a platform asked of us, verified and decrypted by the ingress.
    Commands,
    /// What happened, published by the workers.
    Events,
}

/// Which queue receives which routing keys. Commands are keyed by what
/// they ask (`command.apply`), whichever platform asked it.
pub const BINDINGS: &[(WorkQueue, Exchange, &str)] = &[
    // 投保申请.
    (WorkQueue::Underwriting, Exchange::Commands, "command.apply"),
    // Issuance starts when an application is paid; its other events
    // (approved, issued, …) are not issuance's business.
    (WorkQueue::Issuance, Exchange::Events, "application.paid"),
    // 索赔.
    (WorkQueue::Claims, Exchange::Commands, "command.claim"),
    // Withdrawals (放弃申请, 订单取消), 退保, and 保函失效.
    (WorkQueue::Refunds, Exchange::Commands, "command.withdraw"),
    (WorkQueue::Refunds, Exchange::Commands, "command.surrender"),
    (WorkQueue::Refunds, Exchange::Commands, "command.invalidate"),
    // Every callback the platforms are owed.
    (WorkQueue::Notifier, Exchange::Events, "callback.#"),
    // The previous release's `inbound.v1` keys (`{protocol}.{interface}`):
    // an ingress of that release still publishes them while a rolling
    // upgrade runs, and the journal holds them for its retention. The
    // workers read v1 bodies. Retire these once the journal no longer
    // holds v1 messages (docs/operations.md, "Upgrading").
    (
        WorkQueue::Underwriting,
        Exchange::Commands,
        "fujian.baohanapply",
    ),
    (WorkQueue::Underwriting, Exchange::Commands, "ely.ely101"),
    (WorkQueue::Claims, Exchange::Commands, "fujian.claimsnotice"),
    (WorkQueue::Claims, Exchange::Commands, "ely.ely105"),
    (
        WorkQueue::Refunds,
        Exchange::Commands,
        "fujian.giveupnotice",
    ),
    (WorkQueue::Refunds, Exchange::Commands, "fujian.quitapply"),
    (WorkQueue::Refunds, Exchange::Commands, "ely.ely109"),
    (WorkQueue::Refunds, Exchange::Commands, "ely.ely107"),
];

/// Bindings of earlier releases, removed at declare: ELY107 moved from
/// issuance to refunds, which cancels the guarantee; giveupnotice from
/// underwriting to refunds, which refunds a premium already paid;
/// issuance's `application.*` narrowed to `application.paid` (every other
/// event was consumed only to be ignored: a third of its deliveries).
const RETIRED_BINDINGS: &[(WorkQueue, Exchange, &str)] = &[
    (WorkQueue::Issuance, Exchange::Commands, "ely.ely107"),
    (WorkQueue::Issuance, Exchange::Events, "application.*"),
    (
        WorkQueue::Underwriting,
        Exchange::Commands,
        "fujian.giveupnotice",
    ),
];

/// Names and arguments, derived from the broker settings.
#[derive(Debug, Clone)]
pub struct Topology {
    prefix: String,
    delivery_limit: u32,
    retry_delays: Vec<Duration>,
    journal_max_age: String,
    journal_max_bytes: u64,
}

impl Topology {
    pub fn new(settings: &Broker) -> Topology {
        Topology {
            prefix: settings.prefix.clone(),
            delivery_limit: settings.delivery_limit.max(1),
            retry_delays: settings
                .retry_delays_secs
                .iter()
                .map(|s| Duration::from_secs((*s).max(1)))
                .collect(),
            journal_max_age: settings.journal_max_age.clone(),
            journal_max_bytes: settings.journal_max_bytes,
        }
    }

    pub fn exchange(&self, exchange: Exchange) -> String {
        match exchange {
            Exchange::Commands => format!("{}.commands", self.prefix),
            Exchange::Events => format!("{}.events", self.prefix),
        }
    }

    pub fn queue(&self, queue: WorkQueue) -> String {
        format!("{}.{}", self.prefix, queue.name())
    }

    /// Where a message goes after `delivery_limit` deliveries or a
    /// permanent failure; operators inspect and replay from here.
    pub fn dead_queue(&self, queue: WorkQueue) -> String {
        format!("{}.{}.dead", self.prefix, queue.name())
    }

    pub fn journal(&self) -> String {
        format!("{}.journal", self.prefix)
    }

    pub fn retry_delays(&self) -> &[Duration] {
        &self.retry_delays
    }

    /// The exchange (and queue) of retry level `level`, or `None` past the
    /// last level.
    pub fn delay(&self, level: usize) -> Option<String> {
        self.retry_delays
            .get(level)
            .map(|d| format!("{}.delay.{}s", self.prefix, d.as_secs()))
    }

    /// The first delay level at least `wait` long, else the longest.
    pub fn delay_at_least(&self, wait: Duration) -> Option<String> {
        let level = self
            .retry_delays
            .iter()
            .position(|d| *d >= wait)
            .unwrap_or(self.retry_delays.len().saturating_sub(1));
        self.delay(level)
    }

    fn dead_exchange(&self) -> String {
        format!("{}.dead", self.prefix)
    }

    pub(crate) fn redeliver_exchange(&self) -> String {
        format!("{}.redeliver", self.prefix)
    }

    /// Every queue name, for tests that clean up and for operators.
    pub fn all_queues(&self) -> Vec<String> {
        let mut out: Vec<String> = WorkQueue::ALL
            .iter()
            .flat_map(|&q| [self.queue(q), self.dead_queue(q)])
            .collect();
        out.extend((0..self.retry_delays.len()).filter_map(|i| self.delay(i)));
        out.push(self.journal());
        out
    }

    pub fn all_exchanges(&self) -> Vec<String> {
        let mut out = vec![
            self.exchange(Exchange::Commands),
            self.exchange(Exchange::Events),
            self.dead_exchange(),
            self.redeliver_exchange(),
        ];
        out.extend((0..self.retry_delays.len()).filter_map(|i| self.delay(i)));
        out
    }

    /// Declares everything. Safe to run from every replica at every start.
    pub async fn declare(&self, ch: &Channel) -> lapin::Result<()> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        };
        for ex in [Exchange::Commands, Exchange::Events] {
            ch.exchange_declare(
                name(self.exchange(ex)),
                ExchangeKind::Topic,
                durable,
                FieldTable::default(),
            )
            .await?;
        }
        for ex in [self.dead_exchange(), self.redeliver_exchange()] {
            ch.exchange_declare(
                name(ex),
                ExchangeKind::Direct,
                durable,
                FieldTable::default(),
            )
            .await?;
        }

        // The journal: a stream bound to everything published, kept for
        // `journal_max_age` so operators can replay from any offset.
        let mut args = FieldTable::default();
        args.insert("x-queue-type".into(), text("stream"));
        args.insert("x-max-age".into(), text(&self.journal_max_age));
        args.insert(
            "x-max-length-bytes".into(),
            AMQPValue::LongLongInt(i64::try_from(self.journal_max_bytes).unwrap_or(i64::MAX)),
        );
        self.queue_declare(ch, self.journal(), args).await?;
        for ex in [Exchange::Commands, Exchange::Events] {
            self.bind(ch, self.journal(), self.exchange(ex), "#")
                .await?;
        }

        for q in WorkQueue::ALL {
            let queue = self.queue(q);
            let dead = self.dead_queue(q);
            // Quorum queues: replicated, and they count deliveries. 3.10 has
            // no default delivery limit, so a poison message would loop
            // forever without one.
            let mut args = FieldTable::default();
            args.insert("x-queue-type".into(), text("quorum"));
            args.insert(
                "x-delivery-limit".into(),
                AMQPValue::LongInt(i32::try_from(self.delivery_limit).unwrap_or(i32::MAX)),
            );
            args.insert("x-dead-letter-exchange".into(), text(&self.dead_exchange()));
            args.insert("x-dead-letter-routing-key".into(), text(&queue));
            // At-least-once dead-lettering (3.10+) needs reject-publish
            // overflow; without it a dead letter can be lost.
            args.insert("x-dead-letter-strategy".into(), text("at-least-once"));
            args.insert("x-overflow".into(), text("reject-publish"));
            self.queue_declare(ch, queue.clone(), args).await?;

            let mut args = FieldTable::default();
            args.insert("x-queue-type".into(), text("quorum"));
            self.queue_declare(ch, dead.clone(), args).await?;
            self.bind(ch, dead, self.dead_exchange(), &queue).await?;
            self.bind(ch, queue.clone(), self.redeliver_exchange(), &queue)
                .await?;
        }
        for &(q, ex, key) in BINDINGS {
            self.bind(ch, self.queue(q), self.exchange(ex), key).await?;
        }
        // Bindings an earlier release declared and this one moved; removing
        // an absent binding is a no-op.
        for &(q, ex, key) in RETIRED_BINDINGS {
            ch.queue_unbind(
                name(self.queue(q)),
                name(self.exchange(ex)),
                key.into(),
                FieldTable::default(),
            )
            .await?;
        }

        // Delay levels. Debian's RabbitMQ has no delayed-message plugin, so
        // each level is a queue whose TTL dead-letters back, by the routing
        // key the message was published with (its target queue's name).
        for (level, delay) in self.retry_delays.iter().enumerate() {
            let Some(level_name) = self.delay(level) else {
                continue;
            };
            ch.exchange_declare(
                name(level_name.clone()),
                ExchangeKind::Fanout,
                durable,
                FieldTable::default(),
            )
            .await?;
            let mut args = FieldTable::default();
            args.insert("x-queue-type".into(), text("quorum"));
            args.insert(
                "x-message-ttl".into(),
                AMQPValue::LongLongInt(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)),
            );
            args.insert(
                "x-dead-letter-exchange".into(),
                text(&self.redeliver_exchange()),
            );
            args.insert("x-dead-letter-strategy".into(), text("at-least-once"));
            args.insert("x-overflow".into(), text("reject-publish"));
            self.queue_declare(ch, level_name.clone(), args).await?;
            self.bind(ch, level_name.clone(), level_name, "").await?;
        }
        Ok(())
    }

    async fn queue_declare(
        &self,
        ch: &Channel,
        queue: String,
        args: FieldTable,
    ) -> lapin::Result<()> {
        let options = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        ch.queue_declare(name(queue), options, args).await.map(drop)
    }

    async fn bind(
        &self,
        ch: &Channel,
        queue: String,
        exchange: String,
        key: &str,
    ) -> lapin::Result<()> {
        ch.queue_bind(
            name(queue),
            name(exchange),
            key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
    }

    /// Deletes every queue and exchange under this prefix: for tests, which
    /// each use a prefix of their own.
    pub async fn delete(&self, ch: &Channel) -> lapin::Result<()> {
        for q in self.all_queues() {
            ch.queue_delete(name(q), Default::default()).await?;
        }
        for ex in self.all_exchanges() {
            ch.exchange_delete(name(ex), Default::default()).await?;
        }
        Ok(())
    }
}

fn name(s: String) -> ShortString {
    ShortString::from(s)
}

fn text(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s))
}
