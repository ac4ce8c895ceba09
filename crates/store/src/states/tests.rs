//! The stored states read back what they write.

use super::*;

#[test]
fn every_state_reads_back_what_it_writes_and_refuses_the_rest() {
    for d in Direction::ALL {
        assert_eq!(Direction::parse(d.as_str()).unwrap(), *d);
        assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
    }
    for s in MessageStatus::ALL {
        assert_eq!(MessageStatus::parse(s.as_str()).unwrap(), *s);
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    for k in ChannelKind::ALL {
        assert_eq!(ChannelKind::parse(k.as_str()).unwrap(), *k);
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
    for s in NumberStatus::ALL {
        assert_eq!(NumberStatus::parse(s.as_str()).unwrap(), *s);
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    for s in RunState::ALL {
        assert_eq!(RunState::parse(s.as_str()).unwrap(), *s);
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    let err = MessageStatus::parse("lost").unwrap_err().to_string();
    assert!(err.contains("\"lost\" is not a MessageStatus"), "{err}");
    assert!(Direction::parse("Inbound").is_err(), "case matters");
    assert!(RunState::Waiting.is_live() && !RunState::Completed.is_live());
}
