//! The AI client against [`FakeAi`]: real HTTP on `127.0.0.1`, the request bytes checked as the
//! provider receives them, and every failure mapped to its [`AiError`].

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use waflow_ai::{AiClient, AiError, Auth, ChatMessage, Part, ProviderSettings};
use waflow_testkit::{openai_error, FakeAi};

/// A client allowed to reach a provider on this machine (what `--allow-private-http` does for a
/// local Ollama): the fake listens on 127.0.0.1.
fn local() -> AiClient {
    AiClient::with_policy(waflow_outbound_http::Policy {
        allow_private: true,
    })
}

async fn fake() -> FakeAi {
    FakeAi::start().await.expect("the fake AI provider starts")
}

fn settings(fake: &FakeAi) -> ProviderSettings {
    let mut settings = ProviderSettings::new(fake.base_url(), "gpt-test");
    settings.timeout = Duration::from_secs(5);
    settings.max_tokens = 300;
    settings
}

fn hello() -> Vec<ChatMessage> {
    vec![
        ChatMessage::System("You are helpful.".into()),
        ChatMessage::User(vec![Part::Text("Hello".into())]),
    ]
}

#[tokio::test]
async fn a_text_chat_sends_openai_json_and_reads_the_reply() {
    let fake = fake().await;
    fake.queue_reply("  Ciao! Come posso aiutarti?\n");
    let mut settings = settings(&fake);
    settings.temperature = Some(0.5);
    let messages = vec![
        ChatMessage::System("Be brief.".into()),
        ChatMessage::User(vec![Part::Text("Hi".into())]),
        ChatMessage::Assistant("Hello!".into()),
        ChatMessage::User(vec![Part::Text("Open today?".into())]),
    ];

    let completion = local().chat(&settings, &messages).await.unwrap();

    assert_eq!(completion.text, "Ciao! Come posso aiutarti?");
    assert_eq!(completion.model, "gpt-test");
    assert_eq!(completion.finish_reason.as_deref(), Some("stop"));
    assert!(completion.prompt_tokens.is_some_and(|n| n > 0));
    assert_eq!(completion.completion_tokens, Some(4));
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/v1/chat/completions");
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].body,
        json!({
            "model": "gpt-test",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello!"},
                {"role": "user", "content": "Open today?"},
            ],
            "max_tokens": 300,
            "temperature": 0.5,
        })
    );
    assert_eq!(fake.chat_count(), 1);
}

#[tokio::test]
async fn without_temperature_the_field_is_absent_and_the_default_reply_echoes() {
    let fake = fake().await;
    let completion = local().chat(&settings(&fake), &hello()).await.unwrap();
    assert_eq!(completion.text, "Fake reply to: Hello");
    let body = &fake.chat_requests()[0];
    assert!(body.get("temperature").is_none(), "{body}");
}

#[tokio::test]
async fn an_image_travels_as_a_data_url_part() {
    let fake = fake().await;
    let bytes = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
    let messages = vec![ChatMessage::User(vec![
        Part::Text("What is this?".into()),
        Part::Image {
            mime: "image/jpeg".into(),
            data: bytes,
        },
    ])];

    local().chat(&settings(&fake), &messages).await.unwrap();

    let body = &fake.chat_requests()[0];
    assert_eq!(
        body["messages"][0]["content"],
        json!([
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}},
        ])
    );
}

#[tokio::test]
async fn the_key_goes_in_a_bearer_or_an_api_key_header() {
    let fake = fake().await;
    fake.require_key("sk-test");
    let client = local();
    let mut settings = settings(&fake);
    settings.api_key = Some("sk-test".into());

    client.chat(&settings, &hello()).await.unwrap();
    settings.auth = Auth::ApiKeyHeader;
    client.chat(&settings, &hello()).await.unwrap();

    let requests = fake.requests();
    assert_eq!(requests[0].header("authorization"), Some("Bearer sk-test"));
    assert_eq!(requests[0].header("api-key"), None);
    assert_eq!(requests[1].header("api-key"), Some("sk-test"));
    assert_eq!(requests[1].header("authorization"), None);
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_a_401_naming_it() {
    let fake = fake().await;
    fake.require_key("sk-right");
    let client = local();
    let mut settings = settings(&fake);

    let missing = client.chat(&settings, &hello()).await.unwrap_err();
    settings.api_key = Some("sk-wrong".into());
    let wrong = client.chat(&settings, &hello()).await.unwrap_err();

    for error in [missing, wrong] {
        let AiError::Status { status, message } = &error else {
            panic!("not a status error: {error:?}");
        };
        assert_eq!(*status, 401);
        assert!(
            message.starts_with("Incorrect API key provided"),
            "{message}"
        );
        assert!(!error.to_string().contains("sk-wrong"));
    }
}

#[tokio::test]
async fn an_azure_base_url_keeps_its_query_after_the_endpoint() {
    let fake = fake().await;
    let mut settings = settings(&fake);
    settings.base_url = format!("{}?api-version=2024-06-01", fake.base_url());

    local().chat(&settings, &hello()).await.unwrap();

    let request = &fake.requests()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(request.query.as_deref(), Some("api-version=2024-06-01"));
}

#[tokio::test]
async fn a_rate_limit_carries_the_message_of_openai_error_json() {
    let fake = fake().await;
    let message = "Rate limit reached for gpt-test in organization org-x on requests per min (RPM): Limit 3, Used 3.";
    fake.fail_next(
        1,
        429,
        openai_error(message, "requests", "rate_limit_exceeded"),
    );

    let error = local().chat(&settings(&fake), &hello()).await.unwrap_err();

    assert_eq!(
        error,
        AiError::Status {
            status: 429,
            message: message.into()
        }
    );
    assert!(error
        .to_string()
        .starts_with("the AI provider answered 429: Rate limit reached for gpt-test"));
    assert!(error.is_transient());
}

#[tokio::test]
async fn a_server_error_with_a_non_json_body_shows_a_preview() {
    let fake = fake().await;
    fake.raw_next(
        500,
        "<html><body>\n<h1>Internal Server Error</h1>\n</body></html>",
    );

    let error = local().chat(&settings(&fake), &hello()).await.unwrap_err();

    assert_eq!(
        error,
        AiError::Status {
            status: 500,
            message: "<html><body> <h1>Internal Server Error</h1> </body></html>".into()
        }
    );
}

#[tokio::test]
async fn a_slow_provider_times_out_quickly() {
    let fake = fake().await;
    fake.set_delay(Some(Duration::from_secs(2)));
    let mut settings = settings(&fake);
    settings.timeout = Duration::from_millis(300);

    let started = Instant::now();
    let error = local().chat(&settings, &hello()).await.unwrap_err();

    assert_eq!(
        error,
        AiError::Timeout {
            after: Duration::from_millis(300)
        }
    );
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert_eq!(
        error.to_string(),
        "no answer from the AI provider within 300 ms"
    );
}

#[tokio::test]
async fn a_delayed_answer_does_not_hold_up_other_requests() {
    let fake = fake().await;
    fake.set_delay(Some(Duration::from_secs(2)));
    let client = local();
    let slow_settings = settings(&fake);
    let slow = tokio::spawn({
        let client = client.clone();
        async move { client.chat(&slow_settings, &hello()).await }
    });
    // Wait until the slow request is being held, then a transcription (not delayed) passes.
    while fake.chat_count() == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    let text = client
        .transcribe(&settings(&fake), b"RIFF".to_vec(), "a.wav", "audio/wav")
        .await
        .unwrap();
    assert_eq!(text, "fake transcript");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(slow.await.unwrap().is_ok());
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut settings = ProviderSettings::new(format!("http://127.0.0.1:{port}/v1"), "m");
    settings.api_key = Some("sk-secret".into());

    let error = local().chat(&settings, &hello()).await.unwrap_err();

    let AiError::Unreachable(detail) = &error else {
        panic!("not unreachable: {error:?}");
    };
    let expected = format!("http://127.0.0.1:{port}/v1/chat/completions: ");
    assert!(detail.starts_with(&expected), "{detail}");
    assert!(error
        .to_string()
        .starts_with("cannot reach the AI provider at http://127.0.0.1:"));
    assert!(!error.to_string().contains("sk-secret"));
    assert!(error.is_transient());
}

#[tokio::test]
async fn answers_that_are_not_openai_json_are_malformed() {
    let fake = fake().await;
    fake.raw_next(200, "{\"choices\": [");
    fake.raw_next(200, "<html>ok</html>");
    fake.raw_next(200, "{\"object\":\"chat.completion\",\"choices\":[]}");
    let client = local();
    let settings = settings(&fake);

    for _ in 0..3 {
        let error = client.chat(&settings, &hello()).await.unwrap_err();
        assert!(matches!(error, AiError::Malformed(_)), "{error:?}");
    }
}

#[tokio::test]
async fn blank_or_null_content_is_empty() {
    let fake = fake().await;
    fake.queue_reply("   \n ");
    fake.raw_next(
        200,
        r#"{"choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"length"}]}"#,
    );
    let client = local();
    let settings = settings(&fake);

    assert_eq!(client.chat(&settings, &hello()).await, Err(AiError::Empty));
    assert_eq!(client.chat(&settings, &hello()).await, Err(AiError::Empty));
}

#[tokio::test]
async fn a_transcription_sends_the_file_and_the_model_as_multipart() {
    let fake = fake().await;
    fake.set_transcription("  Vorrei prenotare un tavolo per due. ");
    let mut settings = settings(&fake);
    settings.transcription_model = "whisper-large-v3".into();
    settings.api_key = Some("sk-test".into());
    let audio = vec![7u8; 1234];

    let text = local()
        .transcribe(&settings, audio, "voice.ogg", "audio/ogg")
        .await
        .unwrap();

    assert_eq!(text, "Vorrei prenotare un tavolo per due.");
    assert_eq!(fake.transcription_count(), 1);
    let request = &fake.requests()[0];
    assert_eq!(request.path, "/v1/audio/transcriptions");
    assert_eq!(request.header("authorization"), Some("Bearer sk-test"));
    assert!(request
        .header("content-type")
        .is_some_and(|t| t.starts_with("multipart/form-data")));
    assert_eq!(
        request.body,
        json!({
            "file": {"file_name": "voice.ogg", "size": 1234, "mime": "audio/ogg"},
            "model": "whisper-large-v3",
            "response_format": "json",
        })
    );
}

#[tokio::test]
async fn a_failed_transcription_is_a_status_error() {
    let fake = fake().await;
    fake.fail_next(
        1,
        400,
        openai_error(
            "Invalid file format.",
            "invalid_request_error",
            "invalid_file",
        ),
    );
    let error = local()
        .transcribe(&settings(&fake), vec![1, 2], "x.bin", "not a mime")
        .await
        .unwrap_err();
    assert_eq!(
        error,
        AiError::Status {
            status: 400,
            message: "Invalid file format.".into()
        }
    );
    let body = &fake.requests()[0].body;
    assert_eq!(body["file"]["mime"], "application/octet-stream");
}

#[tokio::test]
async fn a_translation_names_the_language_and_carries_the_text() {
    let fake = fake().await;
    fake.queue_reply("Bonjour {{name}} ! 👋");

    let text = local()
        .translate(&settings(&fake), "Ciao {{name}}! 👋", "fr")
        .await
        .unwrap();

    assert_eq!(text, "Bonjour {{name}} ! 👋");
    let body = &fake.chat_requests()[0];
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "system");
    assert!(messages[0]["content"]
        .as_str()
        .is_some_and(|s| s.contains("French")));
    assert_eq!(
        messages[1],
        json!({"role": "user", "content": "Ciao {{name}}! 👋"})
    );
    assert_eq!(body["model"], Value::from("gpt-test"));
}
