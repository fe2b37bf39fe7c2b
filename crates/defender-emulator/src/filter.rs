//! `$filter` for the operators the Defender documentation shows: `eq`, `ne`, `gt`, `ge`, `lt`,
//! `le`, `and`, `or`, `not`, `in`, `startswith`, and `any` over collections, evaluated on JSON
//! items.

use std::cmp::Ordering;

use serde_json::Value;

/// A parsed `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `a or b`.
    Or(Box<Filter>, Box<Filter>),
    /// `a and b`.
    And(Box<Filter>, Box<Filter>),
    /// `not a`.
    Not(Box<Filter>),
    /// `left op right`.
    Compare(Operand, Op, Operand),
    /// `left in (a, b, …)`.
    In(Operand, Vec<Value>),
    /// `startswith(path, 'text')`.
    StartsWith(Operand, String),
    /// `path/any(x: predicate)`.
    Any(Vec<String>, String, Box<Filter>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

/// A property path or a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// `healthStatus`, `ipAddresses/ipAddress`, or a lambda variable and a path below it.
    Path(Vec<String>),
    /// A literal value.
    Literal(Value),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(f64),
    Open,
    Close,
    Comma,
    Colon,
}

/// Parses a `$filter` value, or says what is wrong with it.
pub fn parse(text: &str) -> Result<Filter, String> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, at: 0 };
    let filter = parser.or()?;
    match parser.tokens.get(parser.at) {
        None => Ok(filter),
        Some(token) => Err(format!("unexpected {token:?} after a complete expression")),
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            ':' => {
                tokens.push(Token::Colon);
                i += 1;
            }
            '\'' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("a string literal is not closed".into()),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            text.push(*c);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Text(text));
            }
            _ => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], ' ' | '\t' | '(' | ')' | ',' | '\'') {
                    // A colon ends a lambda variable, but not a time of day.
                    if chars[i] == ':' && !chars[start].is_ascii_digit() {
                        break;
                    }
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.parse::<f64>() {
                    Ok(number) if !word.contains('-') || word.starts_with('-') => {
                        tokens.push(Token::Number(number))
                    }
                    _ => tokens.push(Token::Word(word)),
                }
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn expect(&mut self, token: Token) -> Result<(), String> {
        match self.next() {
            Some(found) if found == token => Ok(()),
            found => Err(format!("expected {token:?}, found {found:?}")),
        }
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.peek_word("not") {
            self.at += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if matches!(self.tokens.get(self.at), Some(Token::Open)) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(Token::Close)?;
            return Ok(inner);
        }
        if self.peek_word("startswith") {
            self.at += 1;
            self.expect(Token::Open)?;
            let operand = self.operand()?;
            self.expect(Token::Comma)?;
            let Some(Token::Text(prefix)) = self.next() else {
                return Err("startswith takes a string".into());
            };
            self.expect(Token::Close)?;
            return Ok(Filter::StartsWith(operand, prefix));
        }
        let left = self.operand()?;
        if let Operand::Path(path) = &left
            && path.last().is_some_and(|p| p.eq_ignore_ascii_case("any"))
        {
            let collection = path[..path.len() - 1].to_vec();
            self.expect(Token::Open)?;
            let Some(Token::Word(variable)) = self.next() else { return Err("any needs a variable".into()) };
            self.expect(Token::Colon)?;
            let predicate = self.or()?;
            self.expect(Token::Close)?;
            return Ok(Filter::Any(collection, variable, Box::new(predicate)));
        }
        if self.peek_word("in") {
            self.at += 1;
            self.expect(Token::Open)?;
            let mut values = Vec::new();
            loop {
                match self.operand()? {
                    Operand::Literal(value) => values.push(value),
                    Operand::Path(path) => {
                        return Err(format!("`in` takes literals, found {}", path.join("/")));
                    }
                }
                match self.next() {
                    Some(Token::Comma) => {}
                    Some(Token::Close) => break,
                    other => return Err(format!("expected `,` or `)` in a list, found {other:?}")),
                }
            }
            return Ok(Filter::In(left, values));
        }
        let op = match self.next() {
            Some(Token::Word(word)) => match word.to_ascii_lowercase().as_str() {
                "eq" => Op::Eq,
                "ne" => Op::Ne,
                "gt" => Op::Gt,
                "ge" => Op::Ge,
                "lt" => Op::Lt,
                "le" => Op::Le,
                other => return Err(format!("unsupported operator `{other}`")),
            },
            other => return Err(format!("expected a comparison operator, found {other:?}")),
        };
        Ok(Filter::Compare(left, op, self.operand()?))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.next() {
            Some(Token::Text(text)) => Ok(Operand::Literal(Value::from(text))),
            Some(Token::Number(number)) => Ok(Operand::Literal(serde_json::json!(number))),
            Some(Token::Word(word)) => Ok(match word.as_str() {
                "true" => Operand::Literal(Value::Bool(true)),
                "false" => Operand::Literal(Value::Bool(false)),
                "null" => Operand::Literal(Value::Null),
                // Dates and times are written bare in OData: 2024-01-01T00:00:00Z.
                _ if word.starts_with(|c: char| c.is_ascii_digit()) => Operand::Literal(Value::from(word)),
                _ => Operand::Path(word.split('/').map(str::to_owned).collect()),
            }),
            other => Err(format!("expected a property or a literal, found {other:?}")),
        }
    }
}

/// Whether `item` satisfies `filter`.
pub fn matches(filter: &Filter, item: &Value) -> bool {
    eval(filter, item, None)
}

fn eval(filter: &Filter, item: &Value, lambda: Option<(&str, &Value)>) -> bool {
    match filter {
        Filter::Or(a, b) => eval(a, item, lambda) || eval(b, item, lambda),
        Filter::And(a, b) => eval(a, item, lambda) && eval(b, item, lambda),
        Filter::Not(a) => !eval(a, item, lambda),
        Filter::Compare(left, op, right) => {
            let (left, right) = (resolve(left, item, lambda), resolve(right, item, lambda));
            match op {
                Op::Eq => equal(&left, &right),
                Op::Ne => !equal(&left, &right),
                _ => match compare(&left, &right) {
                    Some(order) => match op {
                        Op::Gt => order == Ordering::Greater,
                        Op::Ge => order != Ordering::Less,
                        Op::Lt => order == Ordering::Less,
                        Op::Le => order != Ordering::Greater,
                        Op::Eq | Op::Ne => false,
                    },
                    None => false,
                },
            }
        }
        Filter::In(left, values) => {
            let left = resolve(left, item, lambda);
            values.iter().any(|v| equal(&left, v))
        }
        Filter::StartsWith(operand, prefix) => {
            resolve(operand, item, lambda).as_str().is_some_and(|text| text.starts_with(prefix.as_str()))
        }
        Filter::Any(path, variable, predicate) => match lookup(item, path, lambda) {
            Value::Array(elements) => {
                elements.iter().any(|element| eval(predicate, item, Some((variable.as_str(), element))))
            }
            _ => false,
        },
    }
}

fn resolve(operand: &Operand, item: &Value, lambda: Option<(&str, &Value)>) -> Value {
    match operand {
        Operand::Literal(value) => value.clone(),
        Operand::Path(path) => lookup(item, path, lambda),
    }
}

fn lookup(item: &Value, path: &[String], lambda: Option<(&str, &Value)>) -> Value {
    let (mut current, rest) = match (lambda, path.first()) {
        (Some((variable, element)), Some(first)) if first == variable => (element, &path[1..]),
        _ => (item, path),
    };
    for segment in rest {
        match current.get(segment) {
            Some(next) => current = next,
            None => return Value::Null,
        }
    }
    current.clone()
}

fn equal(left: &Value, right: &Value) -> bool {
    match (left.as_f64(), right.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => left == right,
    }
}

fn compare(left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        // ISO 8601 timestamps in UTC sort as text.
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(filter: &str, item: &Value) -> bool {
        matches(&parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}")), item)
    }

    #[test]
    fn the_documented_filters_evaluate() {
        let machine = json!({
            "healthStatus": "Active", "riskScore": "High", "rbacGroupId": 140,
            "lastSeen": "2024-05-01T10:00:00Z", "computerDnsName": "web-01.contoso.com",
            "machineTags": ["finance", "prod"], "ipAddresses": [{"ipAddress": "10.0.0.4"}]
        });
        assert!(check("healthStatus eq 'Active'", &machine));
        assert!(!check("healthStatus ne 'Active'", &machine));
        assert!(check("riskScore eq 'High' and healthStatus eq 'Active'", &machine));
        assert!(check("riskScore eq 'Low' or rbacGroupId gt 100", &machine));
        assert!(check("lastSeen gt 2024-01-01T00:00:00Z", &machine));
        assert!(!check("lastSeen lt 2024-01-01T00:00:00Z", &machine));
        assert!(check("rbacGroupId ge 140 and rbacGroupId le 140", &machine));
        assert!(check("riskScore in ('Medium', 'High')", &machine));
        assert!(check("startswith(computerDnsName, 'web-')", &machine));
        assert!(check("machineTags/any(tag: tag eq 'prod')", &machine));
        assert!(check("ipAddresses/any(ip: ip/ipAddress eq '10.0.0.4')", &machine));
        assert!(!check("not (healthStatus eq 'Active')", &machine));
        assert!(check("(riskScore eq 'Low' or riskScore eq 'High') and not (rbacGroupId eq 1)", &machine));
    }

    #[test]
    fn bad_filters_are_errors() {
        for bad in [
            "healthStatus",
            "healthStatus eq",
            "healthStatus like 'x'",
            "name eq 'open",
            "x in (a)",
            "(a eq 1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
