//! Keyward: an account-scoped API key service.

pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod http;
pub mod metrics;
pub mod passwords;
pub mod scan;
pub mod secret;
pub mod service;
pub mod store;
pub mod views;

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, HttpServer};

use crate::service::Keyward;

/// How the HTTP server runs.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// `host:port`; port 0 picks a free one (see [`Application::local_addr`]).
    pub bind: String,
    /// Worker threads; `None` is one per core.
    pub workers: Option<usize>,
    /// Stop gracefully on SIGTERM/SIGINT. Off in tests, which stop via the handle.
    pub handle_signals: bool,
    /// Threads per worker for blocking database work. More than the pool has
    /// connections would only wait for one, and each costs memory.
    pub blocking_threads: usize,
    /// Proxies whose forwarding headers name the client (see `http::client`).
    pub trusted_proxies: http::client::TrustedProxies,
    /// Whether users may sign in over plain HTTP from anywhere (see
    /// `http::session`).
    pub allow_insecure_sign_in: bool,
}

/// A bound, not yet awaited HTTP server.
pub struct Application {
    local_addr: SocketAddr,
    server: Server,
}

impl Application {
    /// Binds the listener and builds the server; call inside an actix system.
    pub fn build(kw: Keyward, options: &ServerOptions) -> std::io::Result<Self> {
        let listener = TcpListener::bind(&options.bind)?;
        let local_addr = listener.local_addr()?;
        let data = web::Data::new(kw);
        let proxies = web::Data::new(options.trusted_proxies.clone());
        let sign_in = web::Data::new(http::session::Transport {
            allow_insecure_sign_in: options.allow_insecure_sign_in,
        });
        let mut server = HttpServer::new(move || {
            http::app()
                .app_data(data.clone())
                .app_data(proxies.clone())
                .app_data(sign_in.clone())
        })
        .listen(listener)?;
        if let Some(workers) = options.workers {
            server = server.workers(workers);
        }
        server = server.worker_max_blocking_threads(options.blocking_threads.max(1));
        if !options.handle_signals {
            server = server.disable_signals();
        }
        Ok(Self {
            local_addr,
            server: server.run(),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
