//! Embedding the STS in your own axum service: one route, bytes in, bytes
//! out. The crate does no I/O; the host owns the listener, TLS, limits and
//! threads.
//!
//! `cargo run --features cli --example axum_embed`
//! then POST a WS-Trust request to the printed address (see README's tour).
//!
//! A real deployment terminates TLS (here plain HTTP on loopback, so the
//! example marks requests as TLS only because it is a demo: never do that
//! for traffic that did not come over TLS) and sets `tls` from the
//! connection.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use std::sync::Arc;
use wstrust::config::StsConfig;
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::MemoryUserStore;
use wstrust::rp::{RelyingParties, RelyingParty};
use wstrust::service::TransportContext;
use wstrust::sts::Sts;

async fn sts_endpoint(State(sts): State<Arc<Sts>>, body: Bytes) -> impl IntoResponse {
    // Signing is CPU-bound: run it off the async workers.
    let reply = tokio::task::spawn_blocking(move || {
        let transport = TransportContext {
            tls: true, // demo only, see above
            ..TransportContext::default()
        };
        sts.handle_soap(&body, &transport)
    })
    .await;
    match reply {
        Ok(r) => (
            StatusCode::from_u16(r.http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [
                (header::CONTENT_TYPE, r.content_type),
                (header::CACHE_CONTROL, "no-store"),
            ],
            r.body,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new("https://app.example/"));
    let config = StsConfig::builder()
        .issuer("https://sts.example/")
        .signing_key(
            Arc::new(AwsLcRsaKey::from_pem(include_bytes!(
                "../tests/data/signer.key.pem"
            ))?),
            Certificate::from_pem(include_bytes!("../tests/data/signer.cert.pem"))?,
        )
        .users(Arc::new(MemoryUserStore::demo()))
        .relying_parties(rps)
        .build()?;
    let limit = config.limits.max_bytes;
    let sts = Arc::new(Sts::new(config));

    let app = Router::new()
        .route("/sts", post(sts_endpoint))
        // Refuse big bodies before they are read; the library checks again.
        .layer(DefaultBodyLimit::max(limit))
        .with_state(sts);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!(
        "STS at http://{}/sts (Ctrl-C to stop)",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
