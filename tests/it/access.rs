//! The access matrix: every route in the router's own table × {anonymous, customer, employee}.
//! A route added without a matching rule here fails this test.

use streamvault::web::access::Access;
use streamvault::web::route_table;

use crate::both_backends;
use crate::helpers::{customer, employee, spawn_app, Backend, Client};

fn concrete(path: &str) -> String {
    let path = path
        .replace(":token", "not-a-real-token-but-shaped-like-one-000000")
        .replace(":file", "app.css");
    // Staff actions that change accounts name an id nobody has: the walk's own sessions
    // must survive it. Every other parameter (`:id`, `:link`, `:target`) becomes 1.
    let id = if path.ends_with("/disable") {
        "424242"
    } else {
        "1"
    };
    path.split('/')
        .map(|segment| {
            if segment.starts_with(':') {
                id
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn call(
    client: &Client,
    method: &poem::http::Method,
    path: &str,
    htmx: bool,
) -> crate::helpers::Page {
    let url = format!("{}{}", client.base, path);
    let token = client.csrf().await;
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).expect("method");
    let mut request = client
        .http
        .request(method, url)
        .header("X-CSRF-Token", token);
    if htmx {
        request = request.header("HX-Request", "true");
    }
    if path.ends_with("/events") {
        // An event stream that was let in stays open: its status is the answer.
        let response = request.send().await.expect("request");
        return crate::helpers::Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: String::new(),
        };
    }
    client.send(request).await
}

async fn every_route_enforces_its_rule(backend: Backend) {
    let app = spawn_app(backend).await;
    let anonymous = app.client();
    let customer = customer(&app, "carla").await;
    let employee = employee(&app, "erin").await;

    // Signing out would end the sessions the rest of the walk needs: that route goes last.
    let mut table = route_table();
    table.sort_by_key(|(_, path, _)| *path == views::paths::LOGOUT);
    for (method, template, access) in table {
        let path = concrete(template);
        let anon = call(&anonymous, &method, &path, false).await;
        let cust = call(&customer, &method, &path, false).await;
        let staff = call(&employee, &method, &path, false).await;
        let label = format!("{method} {template}");
        match access {
            Access::Anyone => {
                for (who, page) in [
                    ("anonymous", &anon),
                    ("customer", &cust),
                    ("employee", &staff),
                ] {
                    assert!(
                        page.status < 500 && page.status != 403,
                        "{label} as {who}: {}",
                        page.status
                    );
                }
            }
            Access::SignedIn => {
                assert_eq!(anon.status, 303, "{label} anonymous");
                let htmx = call(&anonymous, &method, &path, true).await;
                assert_eq!(htmx.status, 401, "{label} anonymous htmx");
                for (who, page) in [("customer", &cust), ("employee", &staff)] {
                    assert!(
                        page.status < 500 && page.status != 403 && page.status != 303
                            || method != poem::http::Method::GET,
                        "{label} as {who}: {}",
                        page.status
                    );
                    assert!(page.status < 500, "{label} as {who}: {}", page.status);
                }
            }
            Access::Customer | Access::Employee => {
                assert_eq!(anon.status, 303, "{label} anonymous");
                let location = anon.location().unwrap_or_default();
                assert!(location.starts_with("/login"), "{label}: {location}");
                let htmx = call(&anonymous, &method, &path, true).await;
                assert_eq!(htmx.status, 401, "{label} anonymous htmx");
                assert!(
                    htmx.header("hx-redirect")
                        .is_some_and(|l| l.starts_with("/login")),
                    "{label}"
                );
                let (allowed, refused) = if access == Access::Customer {
                    (&cust, &staff)
                } else {
                    (&staff, &cust)
                };
                assert_eq!(refused.status, 403, "{label} wrong role");
                assert!(
                    allowed.status < 500 && allowed.status != 403 && allowed.status != 303
                        || method != poem::http::Method::GET,
                    "{label} right role: {}",
                    allowed.status
                );
                if method == poem::http::Method::GET {
                    // A row's own routes on a fresh database may name a row that is not there.
                    let expected: &[u16] = if template.contains("/:") {
                        &[200, 404]
                    } else {
                        &[200]
                    };
                    assert!(
                        expected.contains(&allowed.status),
                        "{label} right role: {}",
                        allowed.status
                    );
                    assert!(
                        allowed
                            .header("cache-control")
                            .is_some_and(|v| v.contains("no-store")),
                        "{label}"
                    );
                }
            }
        }
    }
}
both_backends!(every_route_enforces_its_rule);

#[test]
fn login_redirect_keeps_only_the_local_path() {
    // `route_table` is the router's source of truth: every route has a rule.
    let table = route_table();
    assert!(table
        .iter()
        .any(|(_, path, access)| *path == "/admin" && *access == Access::Employee));
    assert!(table
        .iter()
        .any(|(_, path, access)| *path == "/account" && *access == Access::SignedIn));
    assert!(table
        .iter()
        .any(|(_, path, access)| *path == "/account/delete" && *access == Access::Customer));
}
