//! A scenario's data nodes by name, without knowing their Rust types: what tools such as the
//! command line use, where a node's type is known only at run time.
//!
//! Values cross this boundary in their TOML form ([`DataValue::from_toml`] and
//! [`DataValue::to_toml`](crate::DataValue::to_toml)); a type without one (a frame) can be
//! described by its versions but not read or written here.
//!
//! [`DataValue::from_toml`]: crate::DataValue::from_toml

use super::Scenario;
use crate::config::DataNodeConfig;
use crate::error::StoreError;
use crate::events::{EntityType, Event};
use crate::store::{Lineage, Version, Writer};

impl Scenario {
    /// The config of data node `name`; an error naming the declared nodes if there is none.
    pub fn node_config(&self, name: &str) -> Result<&DataNodeConfig, StoreError> {
        self.config.node(name).ok_or_else(|| StoreError::UnknownNode {
            config: self.config.id().to_owned(),
            node: name.to_owned(),
            declared: self.config.node_names(),
        })
    }

    /// The id of this scenario's instance of data node `name` (shared nodes have one instance
    /// for several scenarios).
    pub fn node_instance_id(&self, name: &str) -> Result<&str, StoreError> {
        self.node_config(name)?;
        Ok(self.node_id(name))
    }

    /// The current version of data node `name`, if it was ever written.
    pub fn node_current(&self, name: &str) -> Result<Option<Version>, StoreError> {
        let id = self.node_instance_id(name)?;
        Ok(self.store.node_state(id)?.current)
    }

    /// Every version of data node `name`, oldest first.
    pub fn node_history(&self, name: &str) -> Result<Vec<Version>, StoreError> {
        let id = self.node_instance_id(name)?;
        self.store.versions_of(id)
    }

    /// The lineage of version `number` of data node `name` (the current version if `None`).
    pub fn node_lineage(&self, name: &str, number: Option<u64>) -> Result<Lineage, StoreError> {
        let number = match number {
            Some(number) => number,
            None => self.node_current(name)?.ok_or_else(|| self.never_written(name))?.number,
        };
        self.store.lineage(self.node_instance_id(name)?, number)
    }

    /// Version `number` (the current one if `None`) of data node `name` and its value in TOML
    /// form; the value is `None` when the node's type has no TOML form.
    pub fn read_toml(
        &self,
        name: &str,
        number: Option<u64>,
    ) -> Result<(Version, Option<::toml::Value>), StoreError> {
        let node = self.node_config(name)?;
        let value_type = node.value_type();
        let id = self.node_instance_id(name)?;
        let version = match number {
            Some(number) => self
                .store
                .version(id, number)?
                .ok_or_else(|| StoreError::NotFound { kind: "version", id: format!("{name} #{number}") })?,
            None => self.node_current(name)?.ok_or_else(|| self.never_written(name))?,
        };
        let value = value_type.load(&version.stored, &self.store.cx()).map_err(|e| {
            StoreError::UnreadableValue { node: name.to_owned(), number: version.number, source: Box::new(e) }
        })?;
        Ok((version, value_type.to_toml(&value)))
    }

    /// Writes data node `name` from a TOML value, converted by the node's type
    /// ([`DataValue::from_toml`](crate::DataValue::from_toml)); a value that does not fit is
    /// [`StoreError::InvalidValue`], naming the node and its type. Recorded as a user's edit,
    /// durable when this returns; returns the new version's number, or `None` when the node
    /// already held this value.
    pub fn write_toml(
        &self,
        name: &str,
        value: &::toml::Value,
        comment: Option<&str>,
    ) -> Result<Option<u64>, StoreError> {
        let node = self.node_config(name)?;
        let value_type = node.value_type();
        let converted = value_type.from_toml(value).map_err(|reason| StoreError::InvalidValue {
            node: name.to_owned(),
            type_name: value_type.name(),
            value: match value {
                ::toml::Value::String(text) => text.clone(),
                other => other.to_string(),
            },
            reason,
        })?;
        let id = self.node_instance_id(name)?;
        let written = {
            // From the artifact to its staged version, garbage collection waits.
            let _gate = self.store.write_gate();
            let stored = node.store_value(&converted, &self.store.cx())?;
            self.store.write_node_by(id, &stored, Writer::User, comment, None)?
        };
        if let Some(number) = written {
            self.store.flush()?;
            self.store.emit(Event::update(EntityType::DataNode, id, "version", number.to_string()));
        }
        Ok(written)
    }

    fn never_written(&self, name: &str) -> StoreError {
        StoreError::NeverWritten { node: name.to_owned(), scenario: self.record.name.clone() }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::prelude::*;
    use crate::{Scenario, StoreError};

    fn config() -> Arc<ScenarioConfig> {
        fn double(x: &f64) -> f64 {
            x * 2.0
        }
        ScenarioConfig::builder("untyped")
            .node(DataNodeConfig::with_default("x", 1.5f64))
            .task(TaskConfig::new("double", double).inputs(["x"]).outputs(["y"]))
            .build()
            .unwrap()
    }

    #[test]
    fn a_toml_value_is_converted_by_the_nodes_type() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        let scenario = Scenario::create(&store, &config(), "s").unwrap();
        assert_eq!(
            scenario.write_toml("x", &::toml::Value::Integer(1600), Some("by hand")).unwrap(),
            Some(2)
        );
        assert_eq!(scenario.data_node::<f64>("x").unwrap().read().unwrap(), 1600.0);
        let (version, value) = scenario.read_toml("x", None).unwrap();
        assert_eq!((version.number, value), (2, Some(::toml::Value::Float(1600.0))));
        assert_eq!(scenario.read_toml("x", Some(1)).unwrap().1, Some(::toml::Value::Float(1.5)));
        assert_eq!(scenario.node_history("x").unwrap().len(), 2);
        // The same value again records nothing.
        assert_eq!(scenario.write_toml("x", &::toml::Value::Float(1600.0), None).unwrap(), None);
    }

    #[test]
    fn a_value_that_does_not_fit_names_the_node_and_its_type() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        let scenario = Scenario::create(&store, &config(), "s").unwrap();
        let err = scenario.write_toml("x", &"abc".into(), None).unwrap_err();
        assert!(matches!(err, StoreError::InvalidValue { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "value `abc` does not fit data node `x` of type `f64`: invalid type: string \"abc\", expected f64"
        );
        let err = scenario.write_toml("nope", &"abc".into(), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "scenario config `untyped` has no data node `nope`; declared nodes: x, y"
        );
    }

    #[test]
    fn lineage_and_never_written_nodes_by_name() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        let scenario = Scenario::create(&store, &config(), "s").unwrap();
        let err = scenario.node_lineage("y", None).unwrap_err();
        assert_eq!(err.to_string(), "data node `y` of scenario `s` has never been written");
        scenario.submit().unwrap().wait().unwrap();
        assert_eq!(
            scenario.node_lineage("y", None).unwrap().outline(),
            "y #1 <- task double\n  x #1 <- default value\n"
        );
        assert!(scenario.node_current("y").unwrap().is_some());
    }
}
