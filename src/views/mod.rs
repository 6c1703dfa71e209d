//! What clients see: the JSON shapes of requests and responses, with their
//! OpenAPI schemas, one module per dialect. Shared by the HTTP handlers and the
//! command line, which prints a created key the way the API shows it.

pub mod native;
pub mod v1;

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};

/// For optional fields that distinguish "absent" (`None`) from `null` (`Some(None)`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Deserialize::deserialize(deserializer).map(Some)
}

/// Like [`present`] for a nested object: absent is `None`, `null` is
/// `Some(None)`, and only `{…}` is read (see [`object`]).
pub fn present_object<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Only<T>(T);
    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Only<T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            object(deserializer).map(Only)
        }
    }
    Option::<Only<T>>::deserialize(deserializer).map(|found| Some(found.map(|Only(t)| t)))
}

/// Like [`whole_number`], telling `null` (`Some(None)`) from absent (`None`).
pub fn present_whole_number<'de, D>(deserializer: D) -> Result<Option<Option<i64>>, D::Error>
where
    D: Deserializer<'de>,
{
    struct Whole(i64);
    impl<'de> Deserialize<'de> for Whole {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            whole_number(deserializer)?
                .map(Whole)
                .ok_or_else(|| de::Error::custom("expected a whole number"))
        }
    }
    Option::<Whole>::deserialize(deserializer).map(|found| Some(found.map(|Whole(n)| n)))
}

/// For nested objects: refuses the array form serde would otherwise accept
/// for a struct (its fields in order), so only `{…}` is read, whatever the
/// format (a JSON object, or `api_key[…]` fields of a form).
pub fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Object<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for Object<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map))
        }
    }

    deserializer.deserialize_map(Object(PhantomData))
}

/// For optional whole numbers: `null` or absent is `None`; a JSON number
/// with no fractional part, such as `225` or `225.0` (the same value to
/// JSON Schema's `integer`), or a form field's number, is the number; an
/// empty form field is absent.
/// A string in JSON, or a fraction, is refused.
pub fn whole_number<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: Deserializer<'de>,
{
    struct Whole;

    impl<'a> Visitor<'a> for Whole {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a whole number")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<N: Deserializer<'a>>(self, d: N) -> Result<Self::Value, N::Error> {
            // A number hint: JSON answers with the number it holds (and
            // refuses a string); a form parses the field's text.
            d.deserialize_f64(self)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // Within ±2^53 every whole f64 is exact, and no bound here is larger.
            const EXACT: f64 = 9_007_199_254_740_992.0;
            if v.fract() == 0.0 && v.abs() <= EXACT {
                Ok(Some(v as i64))
            } else {
                Err(E::invalid_value(Unexpected::Float(v), &self))
            }
        }
    }

    deserializer.deserialize_option(Whole)
}
