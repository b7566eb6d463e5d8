//! JSON batching: several requests in one `POST /$batch`, and their answers read back by the id
//! each request was given, as Microsoft Graph's batching takes them.
//!
//! It is compiled with the `client` feature only, beside `http`, which sends the batch
//! ([`Client::send_batch`](super::Client::send_batch)).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::http::{Error, Method, push_query};

/// Requests to send together with [`Client::send_batch`](super::Client::send_batch), in one round
/// trip instead of one per request.
///
/// Each request is written as the generated methods' documentation shows it: a method, a path
/// from the service root (`/me/messages`), already percent-encoded (see
/// [`encode_path_param`](super::encode_path_param)), and an optional encoded query. Microsoft
/// Graph runs the requests of a batch in any order, and concurrently, unless one
/// [depends on](Batch::depends_on) another; it takes at most [`Batch::LIMIT`] of them in one
/// call and refuses a larger batch with `400 Bad Request`.
///
/// ```no_run
/// # use docgen_runtime::{Batch, Client, Error, Method};
/// # async fn run(client: Client) -> Result<(), Error> {
/// let mut batch = Batch::new();
/// let me = batch.add(Method::GET, "/me", Some("$select=id,displayName"));
/// let mail = batch.add_json(Method::POST, "/me/sendMail", None, &serde_json::json!({"message": {}}))
///     .expect("a JSON value always serializes");
/// batch.depends_on(mail, me);
/// let answers = client.send_batch(&batch).await?;
/// let user: serde_json::Value = answers.json(me)?;
/// answers.json::<()>(mail)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Batch {
    requests: Vec<Step>,
}

/// One request of a batch, as [`Batch`] keeps it until it is sent.
#[derive(Debug, Clone)]
struct Step {
    method: Method,
    /// The path and its query, relative to the service root.
    url: String,
    headers: Vec<(String, String)>,
    body: Option<serde_json::Value>,
    depends_on: Vec<BatchId>,
}

/// A request of a [`Batch`], by which its answer is read from [`BatchResponses`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BatchId(usize);

impl BatchId {
    /// The id the request has on the wire: its place in the batch, from `"1"`.
    fn wire(self) -> String {
        (self.0 + 1).to_string()
    }
}

impl Batch {
    /// The most requests Microsoft Graph takes in one batch.
    pub const LIMIT: usize = 20;

    /// An empty batch.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Adds a request without a body.
    pub fn add(&mut self, method: Method, path: &str, query: Option<&str>) -> BatchId {
        self.push(method, path, query, None)
    }

    /// Adds a request whose body is `body` as JSON.
    ///
    /// # Errors
    ///
    /// When `body` cannot be represented as JSON (a map with keys that are not strings); nothing
    /// is added then.
    pub fn add_json<B>(
        &mut self,
        method: Method,
        path: &str,
        query: Option<&str>,
        body: &B,
    ) -> Result<BatchId, serde_json::Error>
    where
        B: Serialize + ?Sized,
    {
        let body = serde_json::to_value(body)?;
        Ok(self.push(method, path, query, Some(body)))
    }

    fn push(&mut self, method: Method, path: &str, query: Option<&str>, body: Option<serde_json::Value>) -> BatchId {
        let mut url = String::with_capacity(path.len() + 1);
        if !path.starts_with('/') {
            url.push('/');
        }
        url.push_str(path);
        if let Some(query) = query.map(|q| q.trim_start_matches('?')).filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(query);
        }
        let id = BatchId(self.requests.len());
        self.requests.push(Step { method, url, headers: Vec::new(), body, depends_on: Vec::new() });
        id
    }

    /// Sends a header with one request of the batch (`If-Match`, `Prefer`). A request with a
    /// body gets `Content-Type: application/json` without asking.
    pub fn header(&mut self, id: BatchId, name: impl Into<String>, value: impl Into<String>) -> &mut Batch {
        if let Some(step) = self.requests.get_mut(id.0) {
            step.headers.push((name.into(), value.into()));
        }
        self
    }

    /// Runs `id` only once `first` has succeeded. The service answers `424 Failed Dependency`
    /// for `id` when `first` fails, and runs the chain in order.
    pub fn depends_on(&mut self, id: BatchId, first: BatchId) -> &mut Batch {
        let known = first.0 < self.requests.len();
        let step = self.requests.get_mut(id.0).filter(|_| id != first && known);
        if let Some(step) = step.filter(|step| !step.depends_on.contains(&first)) {
            step.depends_on.push(first);
        }
        self
    }

    /// How many requests the batch holds.
    pub fn len(&self) -> usize {
        self.requests.len()
    }

    /// Whether the batch holds no request.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    /// The body of `POST /$batch`. The client's own query options and headers (those of
    /// `with_query` and `with_header`) go with every request, as they go with every call it makes
    /// alone; the token goes only with the batch itself, which the service applies to each.
    pub(super) fn wire(&self, query: &str, headers: &[(String, String)]) -> serde_json::Value {
        #[derive(Serialize)]
        struct Request<'a> {
            id: String,
            method: &'a str,
            url: String,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            headers: BTreeMap<&'a str, &'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            body: Option<&'a serde_json::Value>,
            #[serde(rename = "dependsOn", skip_serializing_if = "Vec::is_empty")]
            depends_on: Vec<String>,
        }
        let requests: Vec<Request<'_>> = self
            .requests
            .iter()
            .enumerate()
            .map(|(n, step)| {
                let mut url = step.url.clone();
                if !query.is_empty() {
                    let (path, own) = url.split_once('?').unwrap_or((url.as_str(), ""));
                    let mut joined = own.to_owned();
                    push_query(&mut joined, query);
                    url = format!("{path}?{joined}");
                }
                let mut all: BTreeMap<&str, &str> = BTreeMap::new();
                for (name, value) in headers.iter().chain(&step.headers) {
                    all.insert(name.as_str(), value.as_str());
                }
                if step.body.is_some() && !all.keys().any(|name| name.eq_ignore_ascii_case("content-type")) {
                    all.insert("Content-Type", "application/json");
                }
                Request {
                    id: BatchId(n).wire(),
                    method: step.method.as_str(),
                    url,
                    headers: all,
                    body: step.body.as_ref(),
                    depends_on: step.depends_on.iter().map(|d| d.wire()).collect(),
                }
            })
            .collect();
        serde_json::json!({ "requests": requests })
    }
}

/// The answers to a [`Batch`], each read by the [`BatchId`] its request was given.
///
/// The batch call itself succeeded; each request has a status of its own. A request that was
/// throttled (`429`) is not sent again on its own: put it in a new batch after the wait its
/// `Retry-After` [header](BatchResponses::header) names.
#[derive(Debug, Clone)]
pub struct BatchResponses {
    /// The status of the batch call.
    status: u16,
    /// By request, in the order they were added.
    answers: Vec<Option<Answer>>,
}

#[derive(Debug, Clone, Deserialize)]
struct Answer {
    status: u16,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: serde_json::Value,
}

impl BatchResponses {
    /// Reads the body of the batch call's answer for a batch of `count` requests.
    pub(super) fn read(status: u16, body: &[u8], count: usize) -> Result<BatchResponses, Error> {
        #[derive(Deserialize)]
        struct Wire {
            responses: Vec<WireAnswer>,
        }
        #[derive(Deserialize)]
        struct WireAnswer {
            id: String,
            #[serde(flatten)]
            answer: Answer,
        }
        let wire: Wire = serde_json::from_slice(body).map_err(|source| Error::Decode {
            status,
            body: String::from_utf8_lossy(body).into_owned(),
            source,
        })?;
        let mut answers = vec![None; count];
        for w in wire.responses {
            // Ids are the requests' places from 1; one the batch did not send is ignored.
            let place = w.id.parse::<usize>().ok().and_then(|n| n.checked_sub(1));
            if let Some(slot) = place.and_then(|p| answers.get_mut(p)) {
                *slot = Some(w.answer);
            }
        }
        Ok(BatchResponses { status, answers })
    }

    /// The status the service gave the request, or `None` when the batch's answer left it out.
    pub fn status(&self, id: BatchId) -> Option<u16> {
        self.answer(id).map(|a| a.status)
    }

    /// A header of the request's answer (`Location`, `Retry-After`), its name in any case.
    pub fn header(&self, id: BatchId, name: &str) -> Option<&str> {
        let answer = self.answer(id)?;
        answer.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body of the request's answer as JSON (`null` when it had none; a body that is not
    /// JSON, such as a photo, comes base64-encoded in a string).
    pub fn body(&self, id: BatchId) -> Option<&serde_json::Value> {
        self.answer(id).map(|a| &a.body)
    }

    /// Decodes the request's answer into `R` (`()` for none), as the client's own calls do.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] or [`Error::Status`] for a non-2xx answer (a `424 Failed Dependency` when
    /// a request it depends on failed), and [`Error::Decode`] when a 2xx body is not JSON of type
    /// `R`, or when the batch's answer left the request out.
    pub fn json<R: DeserializeOwned>(&self, id: BatchId) -> Result<R, Error> {
        let Some(answer) = self.answer(id) else {
            return Err(Error::Decode {
                status: self.status,
                body: String::new(),
                source: serde::de::Error::custom(format!("the batch's answer has no response with id {}", id.wire())),
            });
        };
        if !(200..300).contains(&answer.status) {
            let body = if answer.body.is_null() { String::new() } else { answer.body.to_string() };
            return Err(Error::from_failure(answer.status, body));
        }
        R::deserialize(&answer.body).map_err(|source| Error::Decode {
            status: answer.status,
            body: answer.body.to_string(),
            source,
        })
    }

    fn answer(&self, id: BatchId) -> Option<&Answer> {
        self.answers.get(id.0).and_then(Option::as_ref)
    }
}
