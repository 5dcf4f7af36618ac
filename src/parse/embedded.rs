//! nginx text embedded in YAML scalars (ConfigMap `data`), mapped back to the YAML file.
