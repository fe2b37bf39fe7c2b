//! Request builders that generated endpoints return: one entity, or a paged collection.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use futures_util::stream::BoxStream;
use futures_util::{TryStreamExt, stream};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::client::{ODataClient, decode_body};
use crate::error::{Error, Result};
use crate::odata::Page;

/// Characters left as they are in a query option value. OData literals use quotes, parentheses,
/// commas and colons; everything else (spaces, `+`, `&`, `#`, `%`, non-ASCII) is escaped.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b',')
    .remove(b':')
    .remove(b'/')
    .remove(b'*');

/// The key properties of a type. `$select` always asks for them too, so that a selected entity
/// still decodes (its key is required) and can still be addressed.
///
/// Generated entity and complex types implement it; a type of your own used as a request's
/// item type needs an implementation to use `select`.
///
/// ```
/// use defender_runtime::request::Keyed;
///
/// struct Device;
/// impl Keyed for Device {
///     const KEY_PROPERTIES: &'static [&'static str] = &["id"];
/// }
/// ```
pub trait Keyed {
    /// The key properties' wire names; empty for a type without a key.
    const KEY_PROPERTIES: &'static [&'static str];
}

impl Keyed for serde_json::Value {
    const KEY_PROPERTIES: &'static [&'static str] = &[];
}

/// Adds `properties` to `$select`, then the key properties it lacks.
fn select_with_key<T: Keyed>(select: &mut Vec<String>, properties: impl IntoIterator<Item = String>) {
    select.extend(properties);
    for key in T::KEY_PROPERTIES {
        if !select.iter().any(|s| s == key) {
            select.push((*key).to_owned());
        }
    }
}

/// OData system query options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// `$filter`: a boolean expression the items must satisfy.
    pub filter: Option<String>,
    /// `$select`: the properties to return.
    pub select: Vec<String>,
    /// `$expand`: the navigation properties to include.
    pub expand: Vec<String>,
    /// `$orderby`: sort keys, each optionally followed by ` asc` or ` desc`.
    pub orderby: Vec<String>,
    /// `$top`: the most items to return.
    pub top: Option<u64>,
    /// `$skip`: how many items to skip.
    pub skip: Option<u64>,
    /// `$count`: ask for `@odata.count`.
    pub count: bool,
}

impl QueryOptions {
    /// The options as a query string, `$`-prefixed names and percent-encoded values, in a fixed
    /// order. Empty when no option is set.
    ///
    /// ```
    /// use defender_runtime::QueryOptions;
    ///
    /// let query = QueryOptions {
    ///     filter: Some("riskScore eq 'High' and lastSeen gt 2024-01-01T00:00:00Z".into()),
    ///     top: Some(10),
    ///     ..QueryOptions::default()
    /// };
    /// assert_eq!(
    ///     query.to_query_string(),
    ///     "$filter=riskScore%20eq%20'High'%20and%20lastSeen%20gt%202024-01-01T00:00:00Z&$top=10"
    /// );
    /// ```
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        let mut push = |name: &str, value: &str| {
            parts.push(format!("{name}={}", utf8_percent_encode(value, QUERY_VALUE)));
        };
        if let Some(filter) = &self.filter {
            push("$filter", filter);
        }
        if !self.select.is_empty() {
            push("$select", &self.select.join(","));
        }
        if !self.expand.is_empty() {
            push("$expand", &self.expand.join(","));
        }
        if !self.orderby.is_empty() {
            push("$orderby", &self.orderby.join(","));
        }
        if let Some(top) = self.top {
            push("$top", &top.to_string());
        }
        if let Some(skip) = self.skip {
            push("$skip", &skip.to_string());
        }
        if self.count {
            push("$count", "true");
        }
        parts.join("&")
    }

    /// `url` with these options appended to any query it already has.
    pub fn apply(&self, mut url: Url) -> Url {
        let options = self.to_query_string();
        if !options.is_empty() {
            let query = match url.query() {
                Some(existing) if !existing.is_empty() => format!("{existing}&{options}"),
                _ => options,
            };
            url.set_query(Some(&query));
        }
        url
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

/// A request for one entity or complex value. Await it to send it.
#[must_use = "a request does nothing until it is awaited"]
pub struct EntityRequest<T> {
    client: ODataClient,
    path: String,
    query: QueryOptions,
    _type: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for EntityRequest<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntityRequest").field("path", &self.path).field("query", &self.query).finish()
    }
}

impl<T> Clone for EntityRequest<T> {
    fn clone(&self) -> Self {
        Self::new(self.client.clone(), self.path.clone()).with_query(self.query.clone())
    }
}

impl<T> EntityRequest<T> {
    /// A request for the resource at `path`, relative to the service root.
    pub fn new(client: ODataClient, path: impl Into<String>) -> Self {
        Self { client, path: path.into(), query: QueryOptions::default(), _type: PhantomData }
    }

    fn with_query(mut self, query: QueryOptions) -> Self {
        self.query = query;
        self
    }

    /// `$select`: only these properties, and the key (see [`Keyed`]).
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        T: Keyed,
    {
        select_with_key::<T>(&mut self.query.select, properties.into_iter().map(Into::into));
        self
    }

    /// `$expand`: include these navigation properties.
    pub fn expand<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query.expand.extend(properties.into_iter().map(Into::into));
        self
    }

    /// The path of the resource, relative to the service root.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The client the request is sent with.
    pub fn client(&self) -> &ODataClient {
        &self.client
    }
}

impl<T: DeserializeOwned> EntityRequest<T> {
    /// Sends the request and decodes the entity.
    ///
    /// Some endpoints answer a read by key with the entity wrapped in a one-item collection
    /// (`{"@odata.context": "…/$entity", "value": [{…}]}`); that form is accepted too, the
    /// envelope's annotations moved onto the entity so that nothing is lost.
    pub async fn send(self) -> Result<T> {
        let url = self.query.apply(self.client.url(&self.path)?);
        let response = self.client.send(reqwest::Method::GET, url, None).await?;
        // Checked first, since an entity whose key may be left out (see `Keyed`) would also
        // decode from the envelope itself, keeping `value` as an unknown member. Only a body
        // that names a `value` member pays for the look.
        // Decoded from bytes like every other body, so that each entity type needs one decoder
        // (a second one from `serde_json::Value` would double what the SDK compiles).
        if contains(&response.body, b"\"value\"")
            && let Some(inner) = unwrap_single(&response.body)
            && let Ok(bytes) = serde_json::to_vec(&inner)
            && let Ok(entity) = serde_json::from_slice(&bytes)
        {
            return Ok(entity);
        }
        decode_body::<T>(&response.body, Some(response.status))
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// The one item of a `{"value": [item]}` envelope, with the envelope's annotations added to it.
/// Only an envelope whose `@odata.context` (when it has one) says it holds one entity
/// (`…/$entity`) counts, so that an entity with a `value` property is not taken apart.
fn unwrap_single(body: &[u8]) -> Option<serde_json::Value> {
    let serde_json::Value::Object(mut envelope) = serde_json::from_slice(body).ok()? else { return None };
    let one_entity = envelope
        .get("@odata.context")
        .is_none_or(|context| context.as_str().is_some_and(|c| c.ends_with("/$entity")));
    let serde_json::Value::Array(mut items) = envelope.remove("value")? else { return None };
    if !one_entity || items.len() != 1 || envelope.keys().any(|k| !crate::wire::is_annotation(k)) {
        return None;
    }
    let mut item = items.pop()?;
    if let serde_json::Value::Object(object) = &mut item {
        for (key, value) in envelope {
            object.entry(key).or_insert(value);
        }
    }
    Some(item)
}

impl<T: DeserializeOwned + Send + 'static> IntoFuture for EntityRequest<T> {
    type Output = Result<T>;
    type IntoFuture = BoxFuture<T>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A request for a collection, delivered page by page as the service pages it.
///
/// Nothing is sent until one of [`first_page`](Self::first_page), [`pages`](Self::pages),
/// [`items`](Self::items) or [`collect_all`](Self::collect_all) is used. The streams follow
/// `@odata.nextLink` lazily, so memory stays around one page however long the collection is.
///
/// [`top`](Self::top) caps what the streams yield, whatever the service does with `$top`.
#[must_use = "a request does nothing until it is sent"]
pub struct CollectionRequest<T> {
    client: ODataClient,
    path: String,
    query: QueryOptions,
    page_size: Option<u64>,
    /// The most items the streams yield: set by `top`, kept when `page_size` replaces `$top`.
    limit: Option<u64>,
    _type: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for CollectionRequest<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectionRequest").field("path", &self.path).field("query", &self.query).finish()
    }
}

impl<T> Clone for CollectionRequest<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            page_size: self.page_size,
            limit: self.limit,
            _type: PhantomData,
        }
    }
}

impl<T> CollectionRequest<T> {
    /// A request for the collection at `path`, relative to the service root.
    pub fn new(client: ODataClient, path: impl Into<String>) -> Self {
        Self {
            client,
            path: path.into(),
            query: QueryOptions::default(),
            page_size: None,
            limit: None,
            _type: PhantomData,
        }
    }

    /// Pages through the collection `size` items at a time with `$top` and `$skip`, for
    /// endpoints that return everything (or a fixed maximum) without an `@odata.nextLink`.
    ///
    /// Each request asks for `$top=size`, starting at `$skip` (0, or what [`skip`](Self::skip)
    /// set). A page that carries an `@odata.nextLink` is followed by the link; one without it
    /// is followed by the next `$skip` while pages come back full, and the stream ends at the
    /// first short or empty page. It replaces `$top` in the requests, but a [`top`](Self::top)
    /// still caps how many items the streams yield.
    pub fn page_size(mut self, size: u64) -> Self {
        self.page_size = Some(size.max(1));
        self
    }

    /// `$filter`: only items for which the expression is true.
    pub fn filter(mut self, expression: impl Into<String>) -> Self {
        self.query.filter = Some(expression.into());
        self
    }

    /// `$select`: only these properties, and the key (see [`Keyed`]).
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        T: Keyed,
    {
        select_with_key::<T>(&mut self.query.select, properties.into_iter().map(Into::into));
        self
    }

    /// `$expand`: include these navigation properties.
    pub fn expand<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query.expand.extend(properties.into_iter().map(Into::into));
        self
    }

    /// `$orderby`: sort by this key (`name`, `name desc`); call again for further keys.
    pub fn orderby(mut self, key: impl Into<String>) -> Self {
        self.query.orderby.push(key.into());
        self
    }

    /// At most this many items: sends `$top` and stops the streams once they have yielded `top`
    /// items.
    ///
    /// Services differ in what `$top` means. Some stop there; others (Defender's larger sets
    /// among them) treat it as a page size and still send an `@odata.nextLink`, and so may
    /// Microsoft Graph's security collections, whose next links carry a `$skiptoken`. Either
    /// way, on both APIs,
    /// [`pages`](Self::pages), [`items`](Self::items) and [`collect_all`](Self::collect_all)
    /// yield at most `top` items, cut the page that passes it, and request no page after it:
    /// this is the one way to cap what a stream yields. [`first_page`](Self::first_page)
    /// returns the first page as the service sent it. To choose the page size without capping
    /// the stream, use [`page_size`](Self::page_size).
    pub fn top(mut self, top: u64) -> Self {
        self.query.top = Some(top);
        self.limit = Some(top);
        self
    }

    /// `$skip`: skip this many items.
    pub fn skip(mut self, skip: u64) -> Self {
        self.query.skip = Some(skip);
        self
    }

    /// `$count=true`: ask the service for the size of the whole collection ([`Page::count`]).
    pub fn count(mut self) -> Self {
        self.query.count = true;
        self
    }

    /// The query options set so far.
    pub fn query(&self) -> &QueryOptions {
        &self.query
    }

    /// The path of the collection, relative to the service root.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl<T: DeserializeOwned + Send + 'static> CollectionRequest<T> {
    /// Sends the request and returns the first page only.
    pub async fn first_page(self) -> Result<Page<T>> {
        let url = self.query.apply(self.client.url(&self.path)?);
        self.client.get(url).await
    }

    /// Every page, fetched one at a time as the stream is polled. The stream is `Unpin`, so
    /// `while let Some(page) = pages.try_next().await?` works as it is.
    ///
    /// A `@odata.nextLink` that leaves the API host ends the stream with an error instead of
    /// sending the token elsewhere.
    pub fn pages(self) -> BoxStream<'static, Result<Page<T>>> {
        let mut query = self.query;
        let first_skip = query.skip.unwrap_or(0);
        if let Some(size) = self.page_size {
            query.top = Some(size);
            query.skip = Some(first_skip);
        }
        let (first, base) = match self.client.url(&self.path) {
            Ok(url) => (Ok(query.apply(url.clone())), Some(url)),
            Err(e) => (Err(e), None),
        };
        if let (Some(size), Some(limit)) = (self.page_size, self.limit) {
            query.top = Some(size.min(limit.max(1)));
        }
        let (client, page_size, limit) = (self.client, self.page_size, self.limit);
        let start = Cursor { next: Some(first), skip: first_skip, yielded: 0 };
        let pages = stream::try_unfold(start, move |cursor| {
            let (client, base, mut query) = (client.clone(), base.clone(), query.clone());
            async move {
                let Some(url) = cursor.next else { return Ok(None) };
                if limit.is_some_and(|limit| cursor.yielded >= limit) {
                    return Ok(None);
                }
                let mut page: Page<T> = client.get(url?).await?;
                let taken = page.items.len() as u64;
                let yielded = cursor.yielded + taken;
                if let Some(limit) = limit
                    && yielded >= limit
                {
                    // The caller has what it asked for: cut this page and ask for no other.
                    page.items.truncate((limit - cursor.yielded) as usize);
                    return Ok(Some((
                        page,
                        Cursor { next: None, skip: cursor.skip + taken, yielded: limit },
                    )));
                }
                let next = match (&page.next_link, page_size) {
                    (Some(link), _) => Some(Ok(next_page_url(&client, link)?)),
                    // Without a link, a full page means there may be more at the next offset.
                    (None, Some(size)) if taken == size => base.map(|url| {
                        query.skip = Some(cursor.skip + size);
                        Ok(query.apply(url))
                    }),
                    (None, _) => None,
                };
                Ok(Some((page, Cursor { next, skip: cursor.skip + taken, yielded })))
            }
        });
        Box::pin(pages)
    }

    /// Every item of every page, in order.
    pub fn items(self) -> BoxStream<'static, Result<T>> {
        Box::pin(self.pages().map_ok(|page| stream::iter(page.items.into_iter().map(Ok))).try_flatten())
    }

    /// Every item of every page, collected. Prefer [`items`](Self::items) for large collections.
    pub async fn collect_all(self) -> Result<Vec<T>> {
        self.pages()
            .try_fold(Vec::new(), |mut all, page| async move {
                all.extend(page.items);
                Ok(all)
            })
            .await
    }
}

/// Where paging stands: the next URL to fetch, how many items came before it, and how many the
/// stream has yielded.
struct Cursor {
    next: Option<Result<Url>>,
    skip: u64,
    yielded: u64,
}

fn next_page_url(client: &ODataClient, link: &str) -> Result<Url> {
    let url = client
        .service_root()
        .join(link)
        .map_err(|e| Error::config(format!("the service sent an invalid @odata.nextLink: {e}")))?;
    if !client.is_same_origin(&url) {
        return Err(Error::config(format!(
            "refusing to follow @odata.nextLink to {}, which is not the API host",
            url.origin().ascii_serialization()
        )));
    }
    Ok(url)
}

/// The JSON body of an action call: one member per non-binding parameter.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(transparent)]
pub struct ActionBody(serde_json::Map<String, serde_json::Value>);

impl ActionBody {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds parameter `name`. Fails only when `value`'s `Serialize` implementation fails.
    pub fn param<T: serde::Serialize + ?Sized>(mut self, name: &str, value: &T) -> Result<Self> {
        let value = serde_json::to_value(value)
            .map_err(|e| Error::config(format!("cannot serialize action parameter {name}: {e}")))?;
        self.0.insert(name.to_owned(), value);
        Ok(self)
    }

    /// Adds parameter `name` when `value` is `Some`; an optional parameter left out is not
    /// sent at all.
    pub fn param_opt<T: serde::Serialize + ?Sized>(self, name: &str, value: Option<&T>) -> Result<Self> {
        match value {
            Some(value) => self.param(name, value),
            None => Ok(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_one_entity_envelope_is_unwrapped() {
        let wrapped = br#"{"@odata.context":"https://x/api/$metadata#Agents/$entity","value":[{"id":"a"}]}"#;
        let item = unwrap_single(wrapped).unwrap_or_default();
        assert_eq!(item["id"], "a");
        assert_eq!(item["@odata.context"], "https://x/api/$metadata#Agents/$entity");
        assert!(unwrap_single(br#"{"value":[{"id":"a"}]}"#).is_some());
        // An entity selected down to a collection property called `value` stays whole.
        assert!(
            unwrap_single(br#"{"@odata.context":"https://x/api/$metadata#Things(value)","value":[1]}"#)
                .is_none()
        );
        assert!(unwrap_single(br#"{"value":[{"id":"a"}],"other":1}"#).is_none());
        assert!(unwrap_single(br#"{"value":[{"id":"a"},{"id":"b"}]}"#).is_none());
    }
}
