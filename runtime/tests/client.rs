//! Tests of the runtime against a real local HTTP server, so that headers, bodies and status
//! handling are checked on the wire rather than through mocks of reqwest.

use docgen_runtime::{
    Accepted, Batch, Client, Collection, Date, DateTimeOffset, Duration, Error, GraphError, Guid, Method, Query, Retry,
    TimeOfDay, encode_path_param, encode_path_param_keep_slashes, encode_query_value, is_date, is_date_time_offset,
    is_duration, is_guid, is_time_of_day,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct User {
    id: String,
    #[serde(rename = "displayName")]
    display_name: String,
}

/// A body type for operations that send nothing, since `None` alone cannot name `B`.
type NoBody = serde_json::Value;

#[tokio::test]
async fn send_json_sends_method_path_headers_and_body_and_decodes_the_response() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/v1.0/users/a%20b%2Fc"))
        .and(query_param("$select", "id,displayName"))
        .and(header("authorization", "Bearer secret-token"))
        .and(header("accept", "application/json"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"displayName": "Adele"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "1", "displayName": "Adele"})))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::new(format!("{}/v1.0/", server.uri())).with_bearer_token("secret-token");
    assert_eq!(client.base_url(), format!("{}/v1.0", server.uri()));
    let path = format!("/users/{}", encode_path_param("a b/c"));
    let user: User = client
        .send_json(Method::PATCH, &path, Some("%24select=id,displayName"), Some(&json!({"displayName": "Adele"})))
        .await
        .expect("the mock answers 200 with a user");
    assert_eq!(user, User { id: "1".into(), display_name: "Adele".into() });
}

#[tokio::test]
async fn requests_without_token_or_body_send_neither_header() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "me", "displayName": "Me"})))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::new(server.uri());
    let _: User = client.send_json::<NoBody, _>(Method::GET, "/me", None, None).await.expect("the mock answers 200");

    let requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert!(request.headers.get("authorization").is_none());
    assert!(request.headers.get("content-type").is_none());
    assert_eq!(request.headers["accept"], "application/json");
    assert!(request.body.is_empty());
    assert_eq!(request.url.query(), None);
}

#[tokio::test]
async fn send_empty_accepts_204() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/users/42"))
        .and(header("authorization", "Bearer t"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    Client::new(server.uri())
        .with_bearer_token("t")
        .send_empty::<NoBody>(Method::DELETE, "/users/42", None, None)
        .await
        .expect("204 is success");
}

#[tokio::test]
async fn send_empty_ignores_a_body_on_other_2xx() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/me/sendMail"))
        .and(body_json(json!({"message": {"subject": "Hi"}})))
        .respond_with(ResponseTemplate::new(202).set_body_string("not json at all"))
        .expect(1)
        .mount(&server)
        .await;

    Client::new(server.uri())
        .send_empty(Method::POST, "/me/sendMail", None, Some(&json!({"message": {"subject": "Hi"}})))
        .await
        .expect("202 is success whatever the body");
}

#[tokio::test]
async fn send_accepted_returns_where_to_follow_the_work() {
    let server = MockServer::start().await;
    // A drive item's copy: `Location` names a monitor of another host.
    Mock::given(method("POST"))
        .and(path("/me/drive/items/1/copy"))
        .and(body_json(json!({"name": "copy.txt"})))
        .respond_with(
            ResponseTemplate::new(202)
                .insert_header("Location", "https://contoso.example/monitor/4A34")
                .set_body_string("ignored"),
        )
        .expect(1)
        .mount(&server)
        .await;
    // A OneNote copy: `Operation-Location`.
    Mock::given(method("POST"))
        .and(path("/me/onenote/notebooks/n/copyNotebook"))
        .respond_with(ResponseTemplate::new(202).insert_header("Operation-Location", "https://graph.example/ops/7"))
        .expect(1)
        .mount(&server)
        .await;
    // `sendMail` with MIME content: nothing to follow.
    Mock::given(method("POST"))
        .and(path("/me/sendMail"))
        .and(header("content-type", "text/plain"))
        .and(wiremock::matchers::body_string("RnJvbTo="))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::new(server.uri());
    let copy = client
        .send_accepted(Method::POST, "/me/drive/items/1/copy", None, Some(&json!({"name": "copy.txt"})))
        .await
        .expect("202 is success");
    assert_eq!(copy.status, 202);
    assert_eq!(copy.location.as_deref(), Some("https://contoso.example/monitor/4A34"));
    let notebook: Accepted = client
        .send_accepted::<NoBody>(Method::POST, "/me/onenote/notebooks/n/copyNotebook", None, None)
        .await
        .expect("202 is success");
    assert_eq!(notebook.location.as_deref(), Some("https://graph.example/ops/7"));
    let mail = client
        .upload_accepted(Method::POST, "/me/sendMail", None, "text/plain", b"RnJvbTo=")
        .await
        .expect("202 is success");
    assert_eq!((mail.status, mail.location), (202, None));
}

#[tokio::test]
async fn get_link_polls_a_location_and_keeps_the_token_to_the_service_host() {
    let service = MockServer::start().await;
    let monitor = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/external/connections/c/operations/7"))
        .and(header("authorization", "Bearer t"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "7", "status": "completed"})))
        .expect(1)
        .mount(&service)
        .await;
    Mock::given(method("GET"))
        .and(path("/monitor/4A34"))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(json!({"status": "inProgress", "percentageComplete": 58.0})),
        )
        .expect(1)
        .mount(&monitor)
        .await;

    let client = Client::new(service.uri()).with_bearer_token("t");
    let operation: serde_json::Value = client
        .get_link(&format!("{}/external/connections/c/operations/7", service.uri()))
        .await
        .expect("the service answers 200");
    assert_eq!(operation["status"], "completed");
    let status: serde_json::Value =
        client.get_link(&format!("{}/monitor/4A34", monitor.uri())).await.expect("the monitor answers 202");
    assert_eq!(status["status"], "inProgress");
    let asked = monitor.received_requests().await.expect("recording is on");
    assert!(asked[0].headers.get("authorization").is_none(), "the token stays with the service's host");
}

#[tokio::test]
async fn an_empty_2xx_body_reads_as_null_for_untyped_results_and_fails_for_structs() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/communications/calls/c1/answer"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let client = Client::new(server.uri());
    let untyped: serde_json::Value = client
        .send_json(Method::POST, "/communications/calls/c1/answer", None, Some(&json!({})))
        .await
        .expect("an empty 202 is a null result");
    assert_eq!(untyped, serde_json::Value::Null);
    let typed: Result<User, Error> =
        client.send_json(Method::POST, "/communications/calls/c1/answer", None, Some(&json!({}))).await;
    assert!(matches!(typed, Err(Error::Decode { status: 202, .. })), "{typed:?}");
}

#[tokio::test]
async fn post_without_body_sends_content_length_zero() {
    // Graph rejects a body-less POST without Content-Length with 411, so the runtime must send it.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/me/revokeSignInSessions"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    Client::new(server.uri())
        .send_empty::<NoBody>(Method::POST, "/me/revokeSignInSessions", None, None)
        .await
        .expect("204 is success");
    let requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests[0].headers["content-length"], "0");
}

#[tokio::test]
async fn graph_error_body_becomes_api_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/users/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": {
                "code": "itemNotFound",
                "message": "The resource could not be found.",
                "innerError": {"request-id": "abc", "date": "2021-07-16T18:32:44"},
                "details": [{"code": "badKey", "message": "No such key", "target": "id"}],
                "target": "users",
                "extra": 1
            }
        })))
        .mount(&server)
        .await;

    let error = Client::new(server.uri())
        .send_json::<NoBody, User>(Method::GET, "/users/missing", None, None)
        .await
        .expect_err("404 is an error");
    assert_eq!(error.status(), Some(404));
    let Error::Api { status, error: graph } = &error else {
        panic!("expected Error::Api, got {error:?}");
    };
    assert_eq!(*status, 404);
    assert_eq!(graph.code, "itemNotFound");
    assert_eq!(graph.message, "The resource could not be found.");
    assert_eq!(graph.inner_error, Some(json!({"request-id": "abc", "date": "2021-07-16T18:32:44"})));
    assert_eq!(graph.details.len(), 1);
    assert_eq!(graph.details[0].code, "badKey");
    assert_eq!(graph.details[0].target.as_deref(), Some("id"));
    assert_eq!(graph.target.as_deref(), Some("users"));
    assert_eq!(graph.additional_properties.get("extra"), Some(&json!(1)));
    assert_eq!(error.graph_error(), Some(&**graph));
    assert_eq!(error.to_string(), "HTTP 404: itemNotFound: The resource could not be found.");
    assert!(std::error::Error::source(&error).is_none());
}

#[test]
fn graph_error_serializes_back_without_empty_fields() {
    let parsed: GraphError = serde_json::from_str(r#"{"code":"x","message":"y","innererror":{"a":1}}"#).expect("valid");
    assert_eq!(parsed.inner_error, Some(json!({"a": 1})));
    assert_eq!(
        serde_json::to_string(&parsed).expect("serializable"),
        r#"{"code":"x","message":"y","innerError":{"a":1}}"#
    );
}

#[tokio::test]
async fn non_json_error_body_becomes_status_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>Internal Server Error</html>"))
        .mount(&server)
        .await;

    let error = Client::new(server.uri())
        .send_json::<NoBody, User>(Method::GET, "/me", None, None)
        .await
        .expect_err("500 is an error");
    match &error {
        Error::Status { status, body } => {
            assert_eq!(*status, 500);
            assert_eq!(body, "<html>Internal Server Error</html>");
        }
        other => panic!("expected Error::Status, got {other:?}"),
    }
    assert_eq!(error.status(), Some(500));
    assert_eq!(error.to_string(), "HTTP 500: <html>Internal Server Error</html>");
}

#[tokio::test]
async fn json_error_body_of_another_shape_becomes_status_error() {
    // OAuth endpoints answer `{"error": "invalid_grant", ...}`, which is not a Graph error object.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_grant"})))
        .mount(&server)
        .await;

    let error = Client::new(server.uri())
        .send_empty::<NoBody>(Method::GET, "/me", None, None)
        .await
        .expect_err("401 is an error");
    assert!(
        matches!(&error, Error::Status { status: 401, body } if body == r#"{"error":"invalid_grant"}"#),
        "{error:?}"
    );
}

#[tokio::test]
async fn invalid_json_on_success_becomes_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"id\": 1"))
        .mount(&server)
        .await;

    let error = Client::new(server.uri())
        .send_json::<NoBody, User>(Method::GET, "/me", None, None)
        .await
        .expect_err("the body is truncated JSON");
    match &error {
        Error::Decode { status, body, .. } => {
            assert_eq!(*status, 200);
            assert_eq!(body, "{\"id\": 1");
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
    assert_eq!(error.status(), Some(200));
    assert!(std::error::Error::source(&error).is_some());
}

#[tokio::test]
async fn wrong_json_shape_on_success_becomes_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;

    let error = Client::new(server.uri())
        .send_json::<NoBody, User>(Method::GET, "/me", None, None)
        .await
        .expect_err("id is not a string");
    assert!(matches!(error, Error::Decode { status: 200, .. }), "{error:?}");
}

#[tokio::test]
async fn unreachable_server_becomes_transport_error() {
    // Port 1 on the loopback address is closed, so the connection is refused at once.
    let error = Client::new("http://127.0.0.1:1")
        .send_empty::<NoBody>(Method::GET, "/me", None, None)
        .await
        .expect_err("nothing listens there");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(error.status(), None);
    assert!(std::error::Error::source(&error).is_some());
}

#[tokio::test]
async fn invalid_base_url_becomes_transport_error_without_panicking() {
    let error = Client::new("not a url")
        .send_empty::<NoBody>(Method::GET, "/me", None, None)
        .await
        .expect_err("the URL cannot be parsed");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
}

#[tokio::test]
async fn invalid_token_becomes_transport_error_without_panicking() {
    let error = Client::new("http://127.0.0.1:1")
        .with_bearer_token("bad\ntoken")
        .send_empty::<NoBody>(Method::GET, "/me", None, None)
        .await
        .expect_err("a newline cannot be in a header");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
}

#[test]
fn debug_output_redacts_the_token() {
    let client = Client::new(Client::GRAPH_V1).with_bearer_token("secret-token");
    let debug = format!("{client:?}");
    assert!(!debug.contains("secret-token"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert_eq!(client.base_url(), "https://graph.microsoft.com/v1.0");
}

#[tokio::test]
async fn with_http_client_uses_the_given_client() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("x-custom", "yes"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-custom", reqwest::header::HeaderValue::from_static("yes"));
    let http = reqwest::Client::builder().default_headers(headers).build().expect("a plain client builds");
    Client::new(server.uri())
        .with_http_client(http)
        .send_empty::<NoBody>(Method::GET, "/me", None, None)
        .await
        .expect("the custom header matched");
}

#[tokio::test]
async fn collection_pages_decode_and_next_page_follows_the_link() {
    let server = MockServer::start().await;
    let next = format!("{}/v1.0/users?$skiptoken=abc", server.uri());
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(query_param("$skiptoken", "abc"))
        .and(header("authorization", "Bearer t"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [{"id": "2", "displayName": "B"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(query_param("$count", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
            "@odata.count": 2,
            "value": [{"id": "1", "displayName": "A"}],
            "@odata.nextLink": next
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::new(format!("{}/v1.0", server.uri())).with_bearer_token("t");
    let first: Collection<User> =
        client.send_json::<NoBody, _>(Method::GET, "/users", Some("$count=true"), None).await.expect("first page");
    assert_eq!(first.value.len(), 1);
    assert_eq!(first.next_link.as_deref(), Some(next.as_str()));
    assert_eq!(first.count(), Some(2));
    assert_eq!(
        first.additional_properties.get("@odata.context"),
        Some(&json!("https://graph.microsoft.com/v1.0/$metadata#users"))
    );

    let second = client.next_page(&first).await.expect("second page").expect("there is a next link");
    assert_eq!(second.value[0].id, "2");
    assert_eq!(second.next_link, None);
    assert!(client.next_page(&second).await.expect("no request").is_none());
}

#[tokio::test]
async fn next_page_on_another_host_does_not_send_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/page2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .expect(1)
        .mount(&server)
        .await;

    let page = Collection::<User> {
        value: Vec::new(),
        next_link: Some(format!("{}/page2", server.uri())),
        additional_properties: serde_json::Map::new(),
    };
    // The client's own origin differs from the server's (another port), so the link is foreign.
    let client = Client::new("http://127.0.0.1:1/v1.0").with_bearer_token("t");
    client.next_page(&page).await.expect("the foreign page loads").expect("there is a next link");
    let requests = server.received_requests().await.expect("recording is on");
    assert!(requests[0].headers.get("authorization").is_none());
}

#[test]
fn collection_round_trips_with_next_link_and_extra_keys() {
    let text = r#"{"value":[{"id":"1","displayName":"A"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=x","@odata.context":"ctx","@odata.count":1,"@odata.deltaLink":"d"}"#;
    let page: Collection<User> = serde_json::from_str(text).expect("valid collection");
    assert_eq!(page.value[0].display_name, "A");
    assert_eq!(page.next_link.as_deref(), Some("https://graph.microsoft.com/v1.0/users?$skiptoken=x"));
    assert_eq!(page.additional_properties.len(), 3);
    assert_eq!(page.count(), Some(1));
    assert_eq!(page.delta_link(), Some("d"));
    let back = serde_json::to_string(&page).expect("serializable");
    assert_eq!(back, text);
    let reparsed: Collection<User> = serde_json::from_str(&back).expect("valid collection");
    assert_eq!(reparsed, page);

    let last: Collection<User> = serde_json::from_str(r#"{"value":[]}"#).expect("valid");
    assert_eq!(last.next_link, None);
    assert_eq!(serde_json::to_string(&last).expect("serializable"), r#"{"value":[]}"#);
    assert!(serde_json::from_str::<Collection<User>>(r#"{"id":"1"}"#).is_err());
}

#[test]
fn date_time_offset_checks() {
    for good in [
        "2021-07-16T18:32:44.1234567Z",
        "0001-01-01T00:00:00Z",
        "2021-07-16T18:32:44Z",
        "2021-07-16T18:32:44.1Z",
        "2021-07-16T18:32:44.123456789Z",
        "2021-07-16T18:32:44+05:30",
        "2021-07-16T18:32:44.5-08:00",
        "2021-07-16T18:32Z",
        "2024-02-29T23:59:59Z",
    ] {
        assert!(is_date_time_offset(good), "{good}");
        assert!(DateTimeOffset::from(good).is_valid(), "{good}");
    }
    for bad in [
        "",
        "2021-07-16",
        "2021-07-16T18:32:44",
        "2021-07-16 18:32:44Z",
        "2021-07-16t18:32:44z",
        "2021-07-16T18:32:44.Z",
        "2021-07-16T24:00:00Z",
        "2021-07-16T18:60:00Z",
        "2021-07-16T18:32:60Z",
        "2021-07-16T18:32:44+0530",
        "2021-07-16T18:32:44+24:00",
        "2021-13-16T18:32:44Z",
        "2023-02-29T00:00:00Z",
        "2021-07-16T18:32:44ZZ",
        "2021-07-16T18:32:44Z+01:00",
        "21-07-16T18:32:44Z",
        "2021-07-16T1:32:44Z",
    ] {
        assert!(!is_date_time_offset(bad), "{bad}");
    }
}

#[test]
fn date_checks() {
    for good in ["2021-07-16", "0001-01-01", "2000-02-29", "2024-12-31"] {
        assert!(is_date(good), "{good}");
        assert!(Date::from(good).is_valid(), "{good}");
    }
    for bad in [
        "",
        "2021-7-16",
        "2021-07-16T00:00:00Z",
        "1900-02-29",
        "2021-04-31",
        "2021-00-10",
        "2021-01-00",
        "2021/01/01",
        "+021-01-01",
        "２０２１-01-01",
    ] {
        assert!(!is_date(bad), "{bad}");
    }
}

#[test]
fn time_of_day_checks() {
    for good in ["18:32:44", "00:00:00.0000000", "23:59:59.1", "08:30"] {
        assert!(is_time_of_day(good), "{good}");
        assert!(TimeOfDay::from(good).is_valid(), "{good}");
    }
    for bad in ["", "24:00:00", "8:30:00", "08:30:0", "08:30:00.", "08:30:00Z", "08:61:00", "08-30-00", "08:30:00.12a"]
    {
        assert!(!is_time_of_day(bad), "{bad}");
    }
}

#[test]
fn duration_checks() {
    for good in ["PT1H30M", "P1D", "-PT5S", "+P1D", "PT0S", "P1Y2M3DT4H5M6.5S", "P2W", "PT0.25S", "P90D", "P1DT12H"] {
        assert!(is_duration(good), "{good}");
        assert!(Duration::from(good).is_valid(), "{good}");
    }
    for bad in [
        "", "P", "PT", "P1DT", "1D", "PT1.5H", "P1H", "PT1D", "P1D1Y", "P1M1M", "PT1S1M", "pt1h", "PT1HT1M", "P-1D",
        "PT.5S", "PT5.S", " PT1H",
    ] {
        assert!(!is_duration(bad), "{bad}");
    }
}

#[test]
fn guid_checks() {
    for good in [
        "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "3FA85F64-5717-4562-B3FC-2C963F66AFA6",
        "00000000-0000-0000-0000-000000000000",
    ] {
        assert!(is_guid(good), "{good}");
        assert!(Guid::from(good).is_valid(), "{good}");
    }
    for bad in [
        "",
        "{3fa85f64-5717-4562-b3fc-2c963f66afa6}",
        "3fa85f6457174562b3fc2c963f66afa6",
        "3fa85f64-5717-4562-b3fc-2c963f66afa",
        "3fa85f64-5717-4562-b3fc-2c963f66afag",
        "3fa85f64-5717-4562-b3fc_2c963f66afa6",
        "3fa85f64-5717-4562-b3fc-2c963f66afa6 ",
    ] {
        assert!(!is_guid(bad), "{bad}");
    }
}

#[test]
fn primitive_wrappers_are_transparent_and_lossless() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Event {
        start: DateTimeOffset,
        day: Date,
        at: TimeOfDay,
        length: Duration,
        id: Guid,
    }
    // A value outside the checker's rules still round-trips, since the wrappers never rewrite text.
    let text = r#"{"start":"2021-07-16T18:32:44.1234567Z","day":"2021-07-16","at":"08:00:00.0000000","length":"PT1H30M","id":"not-a-guid"}"#;
    let event: Event = serde_json::from_str(text).expect("strings decode");
    assert_eq!(event.start.as_str(), "2021-07-16T18:32:44.1234567Z");
    assert!(event.start.is_valid());
    assert!(!event.id.is_valid());
    assert_eq!(serde_json::to_string(&event).expect("serializable"), text);

    assert_eq!(event.length.to_string(), "PT1H30M");
    assert_eq!(Date::from(String::from("2021-07-16")), event.day);
    assert_eq!(Guid::new("x").into_string(), "x");
    assert_eq!(String::from(TimeOfDay::from("08:00")), "08:00");
    assert_eq!(serde_json::to_value(Duration::from("P1D")).expect("ok"), json!("P1D"));
    assert!(serde_json::from_str::<Date>("20210716").is_err());
}

#[test]
fn encode_path_param_samples() {
    assert_eq!(encode_path_param("a b/c?d"), "a%20b%2Fc%3Fd");
    assert_eq!(encode_path_param("user@contoso.com"), "user@contoso.com");
    assert_eq!(encode_path_param("('abc')"), "('abc')");
    assert_eq!(encode_path_param("!$&'()*+,;=:@-._~"), "!$&'()*+,;=:@-._~");
    assert_eq!(encode_path_param("100%#x"), "100%25%23x");
    assert_eq!(encode_path_param("é€"), "%C3%A9%E2%82%AC");
    assert_eq!(encode_path_param("a\\b\"<>`{}|^[]"), "a%5Cb%22%3C%3E%60%7B%7D%7C%5E%5B%5D");
    assert_eq!(encode_path_param("\n\t\u{7f}"), "%0A%09%7F");
    assert_eq!(encode_path_param(""), "");
    assert_eq!(encode_path_param_keep_slashes("Documents/My File?.docx"), "Documents/My%20File%3F.docx");
    assert_eq!(encode_path_param_keep_slashes("/a#b/"), "/a%23b/");
}

#[test]
fn encode_query_value_samples() {
    // What would split the option or read as a space is encoded; what reads well in logs stays.
    assert_eq!(encode_query_value("a&b=c+d e"), "a%26b%3Dc%2Bd%20e");
    assert_eq!(encode_query_value("2021-01-01T00:00:00+01:00"), "2021-01-01T00:00:00%2B01:00");
    assert_eq!(encode_query_value("startswith(x,'y')/z?$"), "startswith(x,%27y%27)/z?$");
    assert_eq!(encode_query_value("é#%"), "%C3%A9%23%25");
}

#[tokio::test]
async fn encoded_path_reaches_the_server_unchanged() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/drives/b!x/root:/Documents/My%20File%3F.docx:"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let item = encode_path_param_keep_slashes("Documents/My File?.docx");
    Client::new(server.uri())
        .send_empty::<NoBody>(Method::GET, &format!("/drives/{}/root:/{item}:", encode_path_param("b!x")), None, None)
        .await
        .expect("the path matched");
}

/// A retry policy whose own waits are a millisecond, so that tests of retrying take no time.
fn quick_retry(max_retries: u32) -> Retry {
    Retry::new(max_retries).with_first_delay(std::time::Duration::from_millis(1))
}

#[tokio::test]
async fn throttled_requests_are_sent_again_with_the_same_body_after_the_wait_the_service_names() {
    let server = MockServer::start().await;
    // Of the mocks that match, wiremock answers with the one mounted first until it is used up:
    // two throttling answers, then the success.
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "1", "displayName": "Adele"})))
        .expect(1)
        .mount(&server)
        .await;

    // The default policy: it would wait a second without `Retry-After`, so the test's speed
    // shows that the service's zero was honoured.
    let client = Client::new(server.uri()).with_bearer_token("t");
    let started = std::time::Instant::now();
    let user: User = client
        .send_json(Method::POST, "/users", None, Some(&json!({"displayName": "Adele"})))
        .await
        .expect("the third try succeeds");
    assert_eq!(user.id, "1");
    assert!(started.elapsed() < std::time::Duration::from_millis(900), "waited {:?}", started.elapsed());

    let requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(request.body, br#"{"displayName":"Adele"}"#, "every try carries the body");
        assert_eq!(request.headers["authorization"], "Bearer t");
    }
}

#[tokio::test]
async fn a_service_that_stays_unavailable_gets_the_policy_s_retries_and_then_its_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .expect(3)
        .mount(&server)
        .await;

    let error = Client::new(server.uri())
        .with_retry(quick_retry(2))
        .send_json::<NoBody, serde_json::Value>(Method::GET, "/me", None, None)
        .await
        .expect_err("every try answers 503");
    assert!(matches!(&error, Error::Status { status: 503, body } if body == "busy"), "{error:?}");
}

#[tokio::test]
async fn a_retry_after_longer_than_the_longest_delay_returns_the_throttling_error_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "3600")
                .set_body_json(json!({"error": {"code": "TooManyRequests", "message": "Slow down."}})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let error = Client::new(server.uri())
        .send_json::<NoBody, serde_json::Value>(Method::GET, "/me", None, None)
        .await
        .expect_err("an hour is beyond the default 180 s");
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.graph_error().map(|e| e.code.as_str()), Some("TooManyRequests"));
}

#[tokio::test]
async fn a_retry_after_date_already_past_means_trying_again_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/users/1"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/users/1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    // Its own wait would be a minute: only the date can make this quick.
    let client =
        Client::new(server.uri()).with_retry(Retry::new(1).with_first_delay(std::time::Duration::from_secs(60)));
    let started = std::time::Instant::now();
    client.send_empty::<NoBody>(Method::DELETE, "/users/1", None, None).await.expect("the second try succeeds");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "waited {:?}", started.elapsed());
}

#[tokio::test]
async fn gateway_timeouts_are_retried_only_for_methods_that_may_run_twice() {
    let server = MockServer::start().await;
    Mock::given(path("/items")).respond_with(ResponseTemplate::new(504)).mount(&server).await;
    let client = Client::new(server.uri()).with_retry(quick_retry(1));

    let error = client.send_empty(Method::POST, "/items", None, Some(&json!({}))).await.expect_err("504");
    assert_eq!(error.status(), Some(504));
    assert_eq!(server.received_requests().await.expect("recording is on").len(), 1, "a POST may have been done");

    let error = client.send_empty::<NoBody>(Method::GET, "/items", None, None).await.expect_err("504");
    assert_eq!(error.status(), Some(504));
    assert_eq!(server.received_requests().await.expect("recording is on").len(), 3, "a GET is tried twice");
}

#[tokio::test]
async fn without_retries_a_throttling_answer_is_returned_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::new(server.uri()).with_retry(Retry::none());
    assert_eq!(
        client.send_empty::<NoBody>(Method::GET, "/me", None, None).await.map_err(|e| e.status()),
        Err(Some(429))
    );
}

#[test]
fn retry_policies_compare_and_show_their_settings() {
    assert_eq!(Retry::default(), Retry::new(3));
    assert_eq!(Retry::none().max_retries(), 0);
    assert_ne!(Retry::new(3), Retry::new(3).with_max_delay(std::time::Duration::from_secs(10)));
    let shown = format!("{:?}", Client::new("https://example.invalid").with_retry(Retry::new(5)));
    assert!(shown.contains("max_retries: 5"), "{shown}");
}

#[test]
fn query_options_are_encoded_as_the_docs_write_them() {
    let query = Query::new()
        .select(["id", "displayName"])
        .filter("startswith(displayName,'a b') and x eq 'c&d=e+f'")
        .order_by("displayName desc")
        .search("\"displayName:room\"")
        .expand("members($select=id)")
        .top(5)
        .skip(10)
        .count(true)
        .param("startDateTime", "2024-01-01T00:00:00+01:00")
        .param("#odd name", "100%");
    assert_eq!(
        query.as_str(),
        "$select=id,displayName\
         &$filter=startswith(displayName,%27a%20b%27)%20and%20x%20eq%20%27c%26d%3De%2Bf%27\
         &$orderby=displayName%20desc\
         &$search=%22displayName:room%22\
         &$expand=members($select%3Did)\
         &$top=5&$skip=10&$count=true\
         &startDateTime=2024-01-01T00:00:00%2B01:00\
         &%23odd%20name=100%25"
    );
    assert_eq!(query.to_string(), query.as_str());
    assert!(Query::new().is_empty());
    assert_eq!(Query::new().select(Vec::<String>::new()).as_str(), "$select=");
}

#[tokio::test]
async fn query_options_and_headers_reach_the_server_after_the_operation_s_own_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/users"))
        .and(query_param("$filter", "startswith(displayName,'a b')"))
        .and(query_param("$top", "5"))
        .and(query_param("$count", "true"))
        .and(query_param("$search", "\"displayName:x&y\""))
        .and(header("consistencylevel", "eventual"))
        .and(header("authorization", "Bearer t"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::new(server.uri())
        .with_bearer_token("t")
        .with_query(&Query::new().top(5).count(true))
        .with_query(&Query::new().search("\"displayName:x&y\""))
        .with_header("ConsistencyLevel", "eventual");
    let page: Collection<User> = client
        .send_json::<NoBody, _>(Method::GET, "/users", Some("$filter=startswith(displayName,'a%20b')"), None)
        .await
        .expect("every option matched");
    assert!(page.value.is_empty());
    let requests = server.received_requests().await.expect("recording is on");
    assert_eq!(
        requests[0].url.query(),
        Some("$filter=startswith(displayName,%27a%20b%27)&$top=5&$count=true&$search=%22displayName:x%26y%22")
    );
}

#[tokio::test]
async fn next_pages_keep_their_link_s_query_and_send_headers_only_to_the_same_host() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&elsewhere)
        .await;

    let client =
        Client::new(server.uri()).with_bearer_token("t").with_query(&Query::new().top(2)).with_header("Prefer", "x");
    let page = |link: String| Collection::<User> {
        value: vec![],
        next_link: Some(link),
        additional_properties: serde_json::Map::new(),
    };
    client.next_page(&page(format!("{}/users?$skiptoken=abc", server.uri()))).await.expect("the same host answers");
    client.next_page(&page(format!("{}/users?$skiptoken=def", elsewhere.uri()))).await.expect("the other host answers");

    let same = server.received_requests().await.expect("recording is on");
    assert_eq!(same[0].url.query(), Some("$skiptoken=abc"), "the link's query alone");
    assert_eq!(same[0].headers["prefer"], "x");
    let other = elsewhere.received_requests().await.expect("recording is on");
    assert_eq!(other[0].url.query(), Some("$skiptoken=def"));
    assert!(other[0].headers.get("prefer").is_none() && other[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn an_invalid_header_becomes_a_transport_error_without_panicking() {
    let client = Client::new("http://127.0.0.1:9").with_header("bad header", "x");
    let error = client.send_empty::<NoBody>(Method::GET, "/me", None, None).await.expect_err("the name has a space");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
}

#[test]
fn with_query_and_with_header_leave_the_client_they_copy_as_it_was() {
    let client = Client::new("https://example.invalid");
    let narrowed = client.with_query(&Query::new().top(1)).with_header("Prefer", "x");
    assert!(format!("{narrowed:?}").contains(r#"query: "$top=1""#), "{narrowed:?}");
    assert!(format!("{client:?}").contains(r#"query: """#), "{client:?}");
    assert!(format!("{client:?}").contains("headers: []"), "{client:?}");
}

#[tokio::test]
async fn all_items_follows_every_next_link_and_keeps_the_order() {
    let server = MockServer::start().await;
    for (token, next, id) in [("p2", Some("p3"), "2"), ("p3", None, "3")] {
        let mut body = json!({"value": [{"id": id, "displayName": id}]});
        if let Some(next) = next {
            body["@odata.nextLink"] = json!(format!("{}/users?$skiptoken={next}", server.uri()));
        }
        Mock::given(method("GET"))
            .and(path("/users"))
            .and(query_param("$skiptoken", token))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = Client::new(server.uri());
    let first = Collection {
        value: vec![User { id: "1".into(), display_name: "1".into() }],
        next_link: Some(format!("{}/users?$skiptoken=p2", server.uri())),
        additional_properties: serde_json::Map::new(),
    };
    let ids: Vec<String> = client.all_items(first).await.expect("three pages").into_iter().map(|u| u.id).collect();
    assert_eq!(ids, ["1", "2", "3"]);

    let broken = Collection::<User> {
        value: vec![],
        next_link: Some(format!("{}/users?$skiptoken=gone", server.uri())),
        additional_properties: serde_json::Map::new(),
    };
    assert_eq!(client.all_items(broken).await.map_err(|e| e.status()), Err(Some(404)));
}

#[tokio::test]
async fn download_follows_the_redirect_and_keeps_the_token_at_home() {
    // Graph answers a download with `302 Found` to a pre-authenticated URL on another host
    // (here: another port, which is another origin); the bytes come back as they are.
    let home = MockServer::start().await;
    let files = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/me/drive/items/1/content"))
        .and(header("authorization", "Bearer t"))
        .and(header("accept", "*/*"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", format!("{}/blob/1", files.uri())))
        .expect(1)
        .mount(&home)
        .await;
    let bytes: Vec<u8> = vec![0, 159, 146, 150, b'\n', 255];
    Mock::given(method("GET"))
        .and(path("/blob/1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(bytes.clone(), "application/octet-stream"))
        .expect(1)
        .mount(&files)
        .await;

    let client = Client::new(home.uri()).with_bearer_token("t");
    let got = client.download(Method::GET, "/me/drive/items/1/content", None).await.expect("the bytes");
    assert_eq!(got, bytes);
    let received = files.received_requests().await.expect("recorded");
    assert!(received.iter().all(|r| !r.headers.contains_key("authorization")), "the token left home");

    Mock::given(method("GET"))
        .and(path("/me/photo/$value"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": {"code": "ImageNotFound"}})))
        .mount(&home)
        .await;
    let error = client.download(Method::GET, "/me/photo/$value", None).await.expect_err("404 is an error");
    assert_eq!(error.graph_error().map(|e| e.code.as_str()), Some("ImageNotFound"));
}

#[tokio::test]
async fn upload_sends_the_bytes_with_their_media_type_and_reads_the_json_answer() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/me/drive/items/1/content"))
        .and(header("content-type", "text/plain"))
        .and(wiremock::matchers::body_string("The contents of the file goes here."))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "1", "displayName": "FileB.txt"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/me/photo/$value"))
        .and(header("content-type", "image/jpeg"))
        .and(wiremock::matchers::body_bytes(vec![0xff, 0xd8, 0xff]))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::new(server.uri());
    let text = b"The contents of the file goes here.";
    let user: User = client
        .upload(Method::PUT, "/me/drive/items/1/content", None, "text/plain", text)
        .await
        .expect("the upload succeeds");
    assert_eq!(user.display_name, "FileB.txt");
    client
        .upload::<()>(Method::PUT, "/me/photo/$value", None, "image/jpeg", &[0xff, 0xd8, 0xff])
        .await
        .expect("an empty answer reads as ()");
}

#[tokio::test]
async fn a_batch_goes_in_one_call_and_each_answer_is_read_by_its_id() {
    let server = MockServer::start().await;
    // The requests as Graph's batching takes them: ids from "1", paths from the service root
    // with their query, a JSON body with its content type, the dependencies by id, and the
    // client's own query options and headers on each request.
    let expected = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/me?$select=id,displayName&$top=5",
         "headers": {"ConsistencyLevel": "eventual"}},
        {"id": "2", "method": "POST", "url": "/me/sendMail?$top=5",
         "headers": {"ConsistencyLevel": "eventual", "Content-Type": "application/json"},
         "body": {"message": {"subject": "Hi"}}, "dependsOn": ["1"]},
        {"id": "3", "method": "DELETE", "url": "/me/events/e%2F1?$top=5",
         "headers": {"consistencylevel": "off", "If-Match": "W/\"1\""}}
    ]});
    // Answers come in any order; a failed request has a Graph error of its own.
    let answers = json!({"responses": [
        {"id": "3", "status": 404, "body": {"error": {"code": "itemNotFound", "message": "No event"}}},
        {"id": "1", "status": 200, "headers": {"Content-Type": "application/json"},
         "body": {"id": "u1", "displayName": "Adele"}},
        {"id": "2", "status": 202, "headers": {"Retry-After": "7"}}
    ]});
    Mock::given(method("POST"))
        .and(path("/v1.0/$batch"))
        .and(header("authorization", "Bearer t"))
        .and(header("content-type", "application/json"))
        .and(body_json(expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(answers))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::new(format!("{}/v1.0", server.uri()))
        .with_bearer_token("t")
        .with_query(&Query::new().top(5))
        .with_header("ConsistencyLevel", "eventual");
    let mut batch = Batch::new();
    assert!(batch.is_empty());
    let me = batch.add(Method::GET, "/me", Some("$select=id,displayName"));
    let mail = batch.add_json(Method::POST, "/me/sendMail", None, &json!({"message": {"subject": "Hi"}})).unwrap();
    let gone = batch.add(Method::DELETE, &format!("/me/events/{}", encode_path_param("e/1")), None);
    batch.depends_on(mail, me).depends_on(mail, me).header(gone, "If-Match", "W/\"1\"");
    // The request's own header replaces the client's of the same name in another case.
    batch.header(gone, "consistencylevel", "off");
    assert_eq!(batch.len(), 3);

    let answers = client.send_batch(&batch).await.expect("the batch call succeeds");
    let user: User = answers.json(me).expect("the first answer is a user");
    assert_eq!(user, User { id: "u1".into(), display_name: "Adele".into() });
    assert_eq!(answers.status(mail), Some(202));
    assert_eq!(answers.header(mail, "retry-after"), Some("7"));
    answers.json::<()>(mail).expect("an answer without a body reads as `()`");
    assert_eq!(answers.status(gone), Some(404));
    match answers.json::<serde_json::Value>(gone) {
        Err(Error::Api { status: 404, error }) => assert_eq!(error.code, "itemNotFound"),
        other => panic!("expected the request's own Graph error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_batch_answer_that_leaves_a_request_out_or_is_not_a_batch_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/$batch"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"responses": [
            {"id": "1", "status": 424, "body": null},
            {"id": "9", "status": 200, "body": {}}
        ]})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let client = Client::new(server.uri());
    let mut batch = Batch::new();
    let first = batch.add(Method::GET, "/a", None);
    let second = batch.add(Method::GET, "/b", None);
    let answers = client.send_batch(&batch).await.expect("the batch call succeeds");
    // A failed dependency without a body is a status error; an id the batch never sent is ignored.
    assert!(
        matches!(answers.json::<serde_json::Value>(first), Err(Error::Status { status: 424, ref body }) if body.is_empty())
    );
    assert_eq!(answers.status(second), None);
    assert!(matches!(answers.json::<serde_json::Value>(second), Err(Error::Decode { status: 200, .. })));

    Mock::given(method("POST"))
        .and(path("/$batch"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
        .mount(&server)
        .await;
    match client.send_batch(&batch).await {
        Err(Error::Decode { status: 200, body, .. }) => assert_eq!(body, "<html>"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_batch_over_the_limit_goes_in_calls_in_order_and_a_failed_dependency_in_an_earlier_call_is_answered_424() {
    let server = MockServer::start().await;
    // Answers every request of a call by its id; request 3 is not found.
    let respond = |request: &wiremock::Request| {
        let body: serde_json::Value = serde_json::from_slice(&request.body).expect("a JSON batch");
        let responses: Vec<serde_json::Value> = body["requests"]
            .as_array()
            .expect("requests")
            .iter()
            .map(|r| match r["id"].as_str() {
                Some("3") => json!({"id": "3", "status": 404}),
                id => json!({"id": id, "status": 200, "body": {"id": id}}),
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({ "responses": responses }))
    };
    Mock::given(method("POST")).and(path("/$batch")).respond_with(respond).expect(2).mount(&server).await;

    let mut batch = Batch::new();
    let ids: Vec<_> = (1..=25).map(|n| batch.add(Method::GET, &format!("/items/{n}"), None)).collect();
    batch.depends_on(ids[21], ids[2]); // on a request of the first call that fails
    batch.depends_on(ids[22], ids[1]); // on one of the first call that succeeds
    batch.depends_on(ids[23], ids[22]); // within the second call
    batch.depends_on(ids[0], ids[5]); // on a later request: not a dependency it can have
    let answers = Client::new(server.uri()).send_batch(&batch).await.expect("both calls succeed");

    let calls = server.received_requests().await.expect("requests are recorded");
    let sent: Vec<serde_json::Value> =
        calls.iter().map(|c| serde_json::from_slice(&c.body).expect("a JSON batch")).collect();
    let ids_of = |call: &serde_json::Value| -> Vec<String> {
        call["requests"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(ids_of(&sent[0]), (1..=20).map(|n| n.to_string()).collect::<Vec<_>>());
    assert_eq!(ids_of(&sent[1]), ["21", "23", "24", "25"], "request 22 is not sent");
    let request = |call: usize, id: &str| {
        sent[call]["requests"].as_array().unwrap().iter().find(|r| r["id"] == id).cloned().unwrap()
    };
    assert_eq!(request(0, "1").get("dependsOn"), None);
    assert_eq!(request(1, "23").get("dependsOn"), None, "its dependency was answered in the first call");
    assert_eq!(request(1, "24")["dependsOn"], json!(["23"]));

    assert_eq!(answers.status(ids[2]), Some(404));
    assert_eq!(answers.status(ids[21]), Some(424));
    match answers.json::<serde_json::Value>(ids[21]) {
        Err(Error::Api { status: 424, error }) => assert_eq!(error.code, "failedDependency"),
        other => panic!("expected a failed dependency, got {other:?}"),
    }
    let last: serde_json::Value = answers.json(ids[24]).expect("the last request succeeded");
    assert_eq!(last, json!({"id": "25"}));
}

#[tokio::test]
async fn throttled_requests_of_a_batch_go_again_with_their_dependents_and_stop_with_the_policy() {
    let server = MockServer::start().await;
    // The first call: request 2 is throttled, so 3, which depends on it, fails; 1 and 4 succeed.
    Mock::given(method("POST"))
        .and(path("/$batch"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"responses": [
            {"id": "1", "status": 200, "body": {"n": 1}},
            {"id": "2", "status": 429, "headers": {"Retry-After": "0"}},
            {"id": "3", "status": 424},
            {"id": "4", "status": 503}
        ]})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    // Then 2 and 3 again, and 4, which stays unavailable until the policy gives up.
    Mock::given(method("POST"))
        .and(path("/$batch"))
        .and(body_json(json!({"requests": [
            {"id": "2", "method": "POST", "url": "/b"},
            {"id": "3", "method": "GET", "url": "/c", "dependsOn": ["2"]},
            {"id": "4", "method": "GET", "url": "/d"}
        ]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"responses": [
            {"id": "2", "status": 201, "body": {"n": 2}},
            {"id": "3", "status": 200, "body": {"n": 3}},
            {"id": "4", "status": 503}
        ]})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/$batch"))
        .and(body_json(json!({"requests": [{"id": "4", "method": "GET", "url": "/d"}]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"responses": [{"id": "4", "status": 503}]})))
        .mount(&server)
        .await;

    let mut batch = Batch::new();
    let a = batch.add(Method::GET, "/a", None);
    let b = batch.add(Method::POST, "/b", None);
    let c = batch.add(Method::GET, "/c", None);
    let d = batch.add(Method::GET, "/d", None);
    batch.depends_on(c, b);
    let answers =
        Client::new(server.uri()).with_retry(quick_retry(2)).send_batch(&batch).await.expect("every call succeeds");

    assert_eq!(server.received_requests().await.expect("recorded").len(), 3, "the first call and 2 retries");
    assert_eq!(answers.json::<serde_json::Value>(a).unwrap(), json!({"n": 1}));
    assert_eq!(answers.json::<serde_json::Value>(b).unwrap(), json!({"n": 2}));
    assert_eq!(answers.json::<serde_json::Value>(c).unwrap(), json!({"n": 3}));
    assert_eq!(answers.status(d), Some(503), "the last answer is kept when the policy gives up");
}

#[tokio::test]
async fn a_delta_round_reads_every_page_and_keeps_the_last_delta_link_for_the_next_round() {
    let server = MockServer::start().await;
    let next = format!("{}/v1.0/users/delta?$skiptoken=p2", server.uri());
    let delta = format!("{}/v1.0/users/delta?$deltatoken=d1", server.uri());
    Mock::given(method("GET"))
        .and(path("/v1.0/users/delta"))
        .and(query_param("$skiptoken", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [{"id": "2", "displayName": "B"}],
            "@odata.deltaLink": delta
        })))
        .expect(1)
        .mount(&server)
        .await;
    // The next round asks for what changed since, with the token, and without the client's
    // own query options, which the link already carries.
    Mock::given(method("GET"))
        .and(path("/v1.0/users/delta"))
        .and(query_param("$deltatoken", "d1"))
        .and(header("authorization", "Bearer t"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [{"id": "1", "displayName": "A2"}],
            "@odata.deltaLink": format!("{}/v1.0/users/delta?$deltatoken=d2", server.uri())
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::new(format!("{}/v1.0", server.uri())).with_bearer_token("t");
    let first: Collection<User> = serde_json::from_value(json!({
        "value": [{"id": "1", "displayName": "A"}],
        "@odata.nextLink": next
    }))
    .unwrap();
    let (users, link) = client.all_items_and_delta_link(first).await.expect("both pages");
    assert_eq!(users.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["1", "2"]);
    let link = link.expect("the last page has a delta link");
    assert_eq!(link, delta);

    let changes: Collection<User> =
        client.with_query(&Query::new().top(1)).follow_link(&link).await.expect("the changes");
    let (changed, again) = client.all_items_and_delta_link(changes).await.expect("one page");
    assert_eq!(changed[0].display_name, "A2");
    assert!(again.is_some_and(|l| l.ends_with("$deltatoken=d2")));
    let requests = server.received_requests().await.expect("recorded");
    assert!(requests.iter().all(|r| !r.url.as_str().contains("$top")), "a link is sent as it is");
}
