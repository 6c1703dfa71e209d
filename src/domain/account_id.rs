use super::random_id::random_id;

random_id! {
    /// The id of an account: 22 random ASCII letters and digits (about 131 bits).
    AccountId, "accountId"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse() {
        let id = AccountId::generate();
        assert_eq!(AccountId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn rejects_wrong_length_and_symbols() {
        assert!(AccountId::parse("short").is_err());
        assert!(AccountId::parse("Jaim1Cu1Q55uooxSens6y!").is_err());
        assert!(AccountId::parse("Jaim1Cu1Q55uooxSens6yk").is_ok());
        assert_eq!(
            AccountId::parse("short").unwrap_err().0,
            "accountId must be 22 ASCII letters or digits"
        );
    }
}
