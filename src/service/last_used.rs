//! `lastUsedAt` without a database write per request: uses are noted in
//! memory, at most once per key per minute, and written in the background.
//! A flush that fails keeps its entries for the next one, so at most the
//! uses of one interval are lost, and only if the process stops meanwhile.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock, Weak};
use std::time::Duration;

use uuid::Uuid;

use crate::domain::Timestamp;
use crate::store::{last_used, Database};

/// Keys noted in a minute, before they are swept.
const SWEEP_AT: usize = 200_000;

/// Keys written per statement.
const CHUNK: usize = 5_000;

#[derive(Default)]
pub struct LastUsed {
    /// The minute each key was last noted in: the cheap check on the hot path.
    noted: RwLock<HashMap<Uuid, i64>>,
    /// Uses not yet written.
    pending: Mutex<HashMap<Uuid, Timestamp>>,
}

impl LastUsed {
    /// Notes that key `id` authenticated at `now`. Costs a read lock unless
    /// this is the key's first use in this minute.
    pub fn record(&self, id: Uuid, now: Timestamp) {
        let minute = now.unix_minute();
        if self
            .noted
            .read()
            .is_ok_and(|noted| noted.get(&id) == Some(&minute))
        {
            return;
        }
        if let Ok(mut noted) = self.noted.write() {
            if noted.len() >= SWEEP_AT {
                noted.retain(|_, m| *m == minute);
            }
            noted.insert(id, minute);
        }
        if let Ok(mut pending) = self.pending.lock() {
            pending.insert(id, now);
        }
    }

    fn take(&self) -> HashMap<Uuid, Timestamp> {
        self.pending
            .lock()
            .map(|mut pending| std::mem::take(&mut *pending))
            .unwrap_or_default()
    }

    /// Puts back what a failed flush could not write, keeping newer uses.
    fn restore(&self, unwritten: HashMap<Uuid, Timestamp>) {
        if let Ok(mut pending) = self.pending.lock() {
            for (id, at) in unwritten {
                let entry = pending.entry(id).or_insert(at);
                *entry = (*entry).max(at);
            }
        }
    }
}

/// Writes noted uses every `interval` on a thread of its own; stops when
/// `last_used` is dropped.
pub fn flush_in_background(last_used: Weak<LastUsed>, db: Database, interval: Duration) {
    let spawned = std::thread::Builder::new()
        .name("keyward-last-used".into())
        .spawn(move || loop {
            std::thread::sleep(interval);
            let Some(last_used) = last_used.upgrade() else {
                return;
            };
            let batch = last_used.take();
            if batch.is_empty() {
                continue;
            }
            let written = db.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                // In key-id order, so that instances writing at once lock
                // rows in the same order and never deadlock.
                let mut ordered: Vec<_> = batch.iter().map(|(id, at)| (*id, at.to_db())).collect();
                ordered.sort_unstable_by_key(|(id, _)| *id);
                let ordered: Vec<_> = ordered
                    .into_iter()
                    .map(|(id, at)| (id.to_string(), at))
                    .collect();
                // A statement per few keys: each holds its rows' locks only
                // for itself, and stays under SQLite's limit on parameters.
                for chunk in ordered.chunks(CHUNK) {
                    last_used::touch(&mut conn, chunk).map_err(|e| e.to_string())?;
                }
                Ok(())
            });
            if let Err(e) = written {
                log::warn!(
                    "could not write lastUsedAt of {} key(s), will retry: {e}",
                    batch.len()
                );
                last_used.restore(batch);
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start the lastUsedAt writer: {e}");
    }
}
