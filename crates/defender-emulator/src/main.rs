//! `defender-emulator`: serve a local Defender for Endpoint API until interrupted.

use std::net::SocketAddr;

use clap::Parser;
use defender_emulator::{Config, Emulator, FaultConfig};

#[derive(Parser)]
#[command(name = "defender-emulator", version, about = "A local Microsoft Defender for Endpoint API")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Seed of the generated tenant.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of machines.
    #[arg(long, default_value_t = 25_000)]
    machines: usize,
    /// Answer 429 past the documented limits (100 calls a minute, 1,500 an hour, per API).
    #[arg(long)]
    enforce_limits: bool,
    /// Answer every Nth request with 429.
    #[arg(long, value_name = "N")]
    throttle_every: Option<u64>,
    /// Answer every Nth request with 503.
    #[arg(long, value_name = "N")]
    error_every: Option<u64>,
    /// Drop the connection of every Nth request.
    #[arg(long, value_name = "N")]
    drop_every: Option<u64>,
    /// Add latency to every request.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_ms: u64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let config = Config {
        address: args.listen,
        seed: args.seed,
        machines: args.machines,
        faults: FaultConfig {
            throttle_every: args.throttle_every,
            enforce_limits: args.enforce_limits,
            retry_after_secs: 1,
            error_every: args.error_every,
            drop_every: args.drop_every,
            latency_ms: args.latency_ms,
        },
        ..Config::default()
    };
    let emulator = Emulator::start(config).await?;
    let config = emulator.config();
    eprintln!("Defender API emulator at {}/api/", emulator.base_url());
    eprintln!(
        "sign in: authority {}, tenant {}, client {}, secret {}",
        emulator.authority(),
        config.tenant_id,
        config.client_id,
        config.client_secret
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
