use super::{Config, NginxError};

pub fn parse(text: &str) -> Result<Config, NginxError> {
    let _ = text;
    Err(NginxError {
        span: Default::default(),
        line: 1,
        message: "nginx parser not written yet".into(),
    })
}
