use taipy::prelude::*;

#[derive(DataValue, serde::Serialize, serde::Deserialize)]
struct Settings {
    level: i64,
    name: String,
}

#[task]
fn settings(level: &i64) -> Settings {
    Settings { level: *level, name: "high".into() }
}

// A serde struct can go to a `.json` or binary object, not to a `.csv` one.
scenario! {
    Analysis {
        level: i64 = 1,
        #[storage(s3_object, aws_s3_bucket_name = "reports", aws_s3_object_key = "settings.csv")]
        chosen = settings(level),
    }
}

fn main() {}
