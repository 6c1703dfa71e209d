use super::random_id::random_id;

random_id! {
    /// The id of a user: 22 random ASCII letters and digits, like an account's.
    UserId, "userId"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse() {
        let id = UserId::generate();
        assert_eq!(UserId::parse(id.as_str()), Ok(id));
        assert!(UserId::parse("Jaim1Cu1Q55uooxSens6y!").is_err());
        assert_eq!(
            UserId::parse("short").unwrap_err().0,
            "userId must be 22 ASCII letters or digits"
        );
    }
}
