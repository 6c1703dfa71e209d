//! What a key carries for the services that verify it, as the native API
//! takes and shows it: `allowedCidrs`, `externalId` and `meta`.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};
use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::domain::{allowlist, AllowedCidrs, ExternalId, Meta};
use crate::error::ApiError;

/// The allowlist a request gives: `[]` is no allowlist, like `null`.
pub fn allowed_cidrs(entries: Option<Vec<String>>) -> Result<Option<AllowedCidrs>, ApiError> {
    Ok(AllowedCidrs::parse(&entries.unwrap_or_default())?)
}

/// A key's allowlist as shown: the entries in their normal form.
pub fn show_allowed_cidrs(cidrs: &Option<AllowedCidrs>) -> Option<Vec<String>> {
    cidrs.as_ref().map(|cidrs| cidrs.entries().collect())
}

pub fn external_id(id: Option<String>) -> Result<Option<ExternalId>, ApiError> {
    Ok(id.as_deref().map(ExternalId::parse).transpose()?)
}

pub fn meta(value: Option<MetaObject>) -> Result<Option<Meta>, ApiError> {
    Ok(value
        .map(|MetaObject(value)| Meta::parse(value))
        .transpose()?)
}

/// `allowedCidrs`: the networks a key may be used from.
pub struct AllowedCidrsSchema;

impl PartialSchema for AllowedCidrsSchema {
    fn schema() -> RefOr<Schema> {
        let entry = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(allowlist::pattern()))
            .examples(["10.0.0.0/8", "2001:db8::/32", "203.0.113.7"]);
        ArrayBuilder::new()
            .items(entry)
            .max_items(Some(AllowedCidrs::MAX))
            .description(Some(
                "IPv4 and IPv6 networks in CIDR notation, or single addresses, at most 32. \
                 Stored and shown normalised (`10.1.2.3/8` as `10.0.0.0/8`, an address as \
                 `/32` or `/128`, IPv6 in lower case, compressed), without repeats.",
            ))
            .examples([serde_json::json!(["10.0.0.0/8", "2001:db8::/32"])])
            .into()
    }
}

impl ToSchema for AllowedCidrsSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "AllowedCidrs".into()
    }
}

/// `meta`: any JSON object of at most 4 KiB.
pub struct MetaSchema;

impl PartialSchema for MetaSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::FreeForm(true)))
            .description(Some(
                "A JSON object of the owner's choosing, at most 4096 bytes as compact JSON \
                 (UTF-8). It comes back as the same JSON value: members sorted by name, \
                 numbers as 64-bit integers or doubles. No member name twice.",
            ))
            .examples([serde_json::json!({"plan": "gold", "customer": {"id": 4711}})])
            .into()
    }
}

impl ToSchema for MetaSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "Meta".into()
    }
}

/// `meta` as a request gives it: JSON with no member named twice at any
/// depth (serde_json would keep the last of them, and the rest would be
/// lost without a word). That it is an object is `Meta::parse`'s rule.
pub struct MetaObject(Value);

impl<'de> Deserialize<'de> for MetaObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        UniqueJson::deserialize(deserializer).map(|UniqueJson(value)| Self(value))
    }
}

/// Any JSON value, refusing an object with a member named twice.
struct UniqueJson(Value);

impl<'de> Deserialize<'de> for UniqueJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor).map(UniqueJson)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number JSON cannot hold"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        UniqueJson::deserialize(d).map(|UniqueJson(v)| v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueJson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let UniqueJson(value) = map.next_value()?;
            if members.contains_key(&name) {
                return Err(de::Error::custom(format!(
                    "the member {name:?} is given twice"
                )));
            }
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document states `ExternalId::PATTERN` wherever an external id is
    /// taken (utoipa's attributes take only a literal, written out there).
    #[test]
    fn the_document_states_the_external_id_rule() {
        use super::super::{CreateKeyBody, KeyListQuery, UpdateKeyBody};
        use utoipa::IntoParams;
        for body in [
            serde_json::to_value(<CreateKeyBody as PartialSchema>::schema()).unwrap(),
            serde_json::to_value(<UpdateKeyBody as PartialSchema>::schema()).unwrap(),
        ] {
            let field = &body["properties"]["externalId"];
            assert_eq!(field["pattern"], ExternalId::PATTERN, "{field}");
        }
        let params = serde_json::to_value(KeyListQuery::into_params(|| None)).unwrap();
        let param = params
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "externalId")
            .unwrap();
        assert_eq!(param["schema"]["pattern"], ExternalId::PATTERN, "{param}");
    }

    #[test]
    fn meta_refuses_members_named_twice_at_any_depth() {
        let read = |s: &str| serde_json::from_str::<MetaObject>(s).map(|m| m.0);
        assert_eq!(
            read(r#"{"a":[1,{"b":null}],"ü":1.5}"#).unwrap(),
            serde_json::json!({"a": [1, {"b": null}], "ü": 1.5})
        );
        assert!(read(r#"{"a":1,"a":1}"#).is_err());
        assert!(read(r#"{"a":{"b":1,"b":2}}"#).is_err());
        assert!(read(r#"{"a":[{"b":1,"b":2}]}"#).is_err());
        assert_eq!(read("[1]").unwrap(), serde_json::json!([1]));
    }
}
