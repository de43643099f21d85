//! A `mysql://` URL that lists several nodes of a cluster (`mysql://u@h1:3306,h2:3306/db`):
//! the process connects through a small TCP relay on loopback that sends each new connection
//! to the node in use, and moves to the next node that answers when that one stops answering
//! or stops being ready (a Galera node cut off from the primary component refuses queries).
//! Connections already open to a dead node fail with it; the pool's liveness check drops
//! them and its next connections reach a survivor. The relay is byte-for-byte, so the
//! protocol, TLS and authentication are the driver's own, end to end.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::mysql::MySqlConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};
use tokio::net::{TcpListener, TcpStream};

use crate::error::{Error, Result};

/// How long a node may take to accept a TCP connection before the next one is tried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How often the node in use is asked whether it is still ready.
const HEALTH_EVERY: Duration = Duration::from_secs(1);

/// The nodes of a multi-node URL and the URL itself with `{host}` left for the relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeList {
    pub nodes: Vec<String>,
    before_host: String,
    after_host: String,
}

impl NodeList {
    /// `Some` when the URL's host part lists more than one node.
    pub fn parse(url: &str) -> Option<NodeList> {
        let scheme_end = url.find("://")? + 3;
        let rest = &url[scheme_end..];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let (user, hosts) = match authority.rfind('@') {
            Some(at) => (&authority[..=at], &authority[at + 1..]),
            None => ("", authority),
        };
        if !hosts.contains(',') {
            return None;
        }
        let nodes: Vec<String> = hosts
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| {
                if h.contains(':') {
                    h.to_owned()
                } else {
                    [h, ":3306"].concat()
                }
            })
            .collect();
        Some(NodeList {
            nodes,
            before_host: [&url[..scheme_end], user].concat(),
            after_host: rest[authority_end..].to_owned(),
        })
    }

    /// The URL with one host in place of the list.
    pub fn url_for(&self, host: &str) -> String {
        [self.before_host.as_str(), host, self.after_host.as_str()].concat()
    }
}

/// The relay of one process: where the driver connects, and which node it forwards to.
pub struct Relay {
    pub address: SocketAddr,
}

impl Relay {
    /// Starts the relay and its health watch; the first node that answers is used first.
    pub async fn start(nodes: NodeList) -> Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error::internal(format_args!("cluster relay: {e}")))?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::internal(format_args!("cluster relay: {e}")))?;
        let nodes = Arc::new(nodes);
        let current = Arc::new(AtomicUsize::new(0));
        tokio::spawn(accept_loop(listener, nodes.clone(), current.clone()));
        tokio::spawn(watch_health(nodes, current));
        Ok(Relay { address })
    }
}

async fn accept_loop(listener: TcpListener, nodes: Arc<NodeList>, current: Arc<AtomicUsize>) {
    loop {
        let Ok((mut client, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let (nodes, current) = (nodes.clone(), current.clone());
        tokio::spawn(async move {
            let Some(mut server) = connect_from(&nodes, &current).await else {
                // Every node refused: the driver sees the connection close and reports it.
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        });
    }
}

/// A TCP connection to the node in use or, when it does not answer, the next one that does
/// (which becomes the node in use).
async fn connect_from(nodes: &NodeList, current: &AtomicUsize) -> Option<TcpStream> {
    let count = nodes.nodes.len();
    let start = current.load(Ordering::Relaxed);
    for step in 0..count {
        let index = (start + step) % count;
        let host = &nodes.nodes[index];
        if let Ok(Ok(stream)) =
            tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(host)).await
        {
            if index != start {
                switch(current, start, index, nodes);
            }
            return Some(stream);
        }
    }
    None
}

fn switch(current: &AtomicUsize, from: usize, to: usize, nodes: &NodeList) {
    if current
        .compare_exchange(from, to, Ordering::Relaxed, Ordering::Relaxed)
        .is_ok()
    {
        tracing::warn!(
            from = %nodes.nodes[from],
            to = %nodes.nodes[to],
            "database node failover"
        );
    }
}

/// Asks the node in use, once a second, whether it takes queries; moves to the next ready
/// node when it does not. A TCP-reachable node that is not ready (Galera: not part of the
/// primary component, or still joining) would otherwise refuse every query sent to it.
async fn watch_health(nodes: Arc<NodeList>, current: Arc<AtomicUsize>) {
    let count = nodes.nodes.len();
    loop {
        tokio::time::sleep(HEALTH_EVERY).await;
        let start = current.load(Ordering::Relaxed);
        if is_ready(&nodes, start).await {
            continue;
        }
        for step in 1..count {
            let index = (start + step) % count;
            if is_ready(&nodes, index).await {
                switch(&current, start, index, &nodes);
                break;
            }
        }
    }
}

/// The node answers a query and, if it is a Galera node, is ready for the application.
async fn is_ready(nodes: &NodeList, index: usize) -> bool {
    let Ok(options) = nodes
        .url_for(&nodes.nodes[index])
        .parse::<MySqlConnectOptions>()
    else {
        return false;
    };
    // The database may not exist yet on a fresh cluster; readiness is the server's.
    let options = options.database("information_schema");
    let check = async {
        let mut conn = options.connect().await.ok()?;
        let ready = sqlx::query("SHOW STATUS LIKE 'wsrep_ready'")
            .fetch_optional(&mut conn)
            .await
            .ok()?
            .map(|row| row.try_get::<String, _>(1).unwrap_or_default());
        let _ = conn.close().await;
        // No such status: a single server, ready whenever it answers.
        Some(ready.is_none_or(|value| value.eq_ignore_ascii_case("ON")))
    };
    matches!(
        tokio::time::timeout(CONNECT_TIMEOUT * 2, check).await,
        Ok(Some(true))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_host_is_not_a_node_list() {
        assert_eq!(NodeList::parse("mysql://root@127.0.0.1:3306/db"), None);
        assert_eq!(NodeList::parse("sqlite://data/x.db"), None);
    }

    #[test]
    fn several_hosts_are_split_and_the_rest_of_the_url_kept() {
        let list =
            NodeList::parse("mysql://u:p@a:4306,b:4307,c/db?ssl-mode=disabled").expect("node list");
        assert_eq!(list.nodes, ["a:4306", "b:4307", "c:3306"]);
        assert_eq!(
            list.url_for("127.0.0.1:9"),
            "mysql://u:p@127.0.0.1:9/db?ssl-mode=disabled"
        );
        let bare = NodeList::parse("mysql://a:1,b:2").expect("node list");
        assert_eq!(bare.url_for("h:3"), "mysql://h:3");
    }
}
