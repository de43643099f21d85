use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match streamvault::cli::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("streamvault: {e}");
            ExitCode::FAILURE
        }
    }
}
