//! What operators ask of the service itself: is it ready, and its metrics.

use super::Keyward;
use crate::error::ApiError;
use crate::store::pending_migrations;

impl Keyward {
    /// `Ok` when the database answers and every migration is applied;
    /// 503 `SERVICE_UNAVAILABLE` otherwise, so no traffic is sent here yet.
    pub async fn ready(&self) -> Result<(), ApiError> {
        let pending = self
            .blocking(|_, conn| {
                pending_migrations(conn)
                    .map_err(|e| ApiError::Unavailable(anyhow::anyhow!("checking migrations: {e}")))
            })
            .await?;
        if pending > 0 {
            return Err(ApiError::Unavailable(anyhow::anyhow!(
                "{pending} migration(s) not applied"
            )));
        }
        Ok(())
    }

    /// Every metric in the Prometheus text format, the connection pool's
    /// state read now.
    pub fn render_metrics(&self) -> String {
        let (open, idle) = self.db.pool_state();
        self.metrics.render(open, idle)
    }
}
