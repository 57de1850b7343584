namespace Stackweave.Formats.PerfData.Tracing;

/// <summary>Token classes of an ftrace event format file (the classes libtraceevent's tokenizer uses).</summary>
internal enum TokenType
{
    /// <summary>End of input or a non-printable character.</summary>
    None,
    /// <summary>Run of blanks other than newline (skipped by the readers below).</summary>
    Space,
    /// <summary>A newline.</summary>
    Newline,
    /// <summary>Operator characters (one or two).</summary>
    Op,
    /// <summary>'(' ')' or ','.</summary>
    Delim,
    /// <summary>Run of letters, digits and '_'.</summary>
    Item,
    /// <summary>Double-quoted string, quotes removed, backslashes kept, adjacent strings joined.</summary>
    DQuote,
    /// <summary>Single-quoted string, quotes removed.</summary>
    SQuote,
}

/// <summary>
/// Tokenizer for format files and print fmt argument lists. Mirrors the token rules of libtraceevent's
/// event-parse.c (__read_token, perf 6.1's copy): character classes, two-character operators, string
/// concatenation. Works on a string holding one char per input byte (Latin-1), so positions are byte offsets.
/// </summary>
internal sealed class FormatLexer(string text)
{
    private readonly string _text = text;
    private int _pos;

    /// <summary>Current position (byte offset into the format text).</summary>
    public int Position => _pos;

    private static TokenType Classify(int ch)
    {
        if (ch == '\n') return TokenType.Newline;
        if (ch is ' ' or '\t' or '\v' or '\f' or '\r') return TokenType.Space;
        if (ch is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_') return TokenType.Item;
        if (ch == '\'') return TokenType.SQuote;
        if (ch == '"') return TokenType.DQuote;
        if (ch is < 0x20 or > 0x7e) return TokenType.None;
        if (ch is '(' or ')' or ',') return TokenType.Delim;
        return TokenType.Op;
    }

    private int Peek() => _pos < _text.Length ? _text[_pos] : -1;

    /// <summary>Reads one raw token (spaces included).</summary>
    public TokenType ReadRaw(out string token)
    {
        token = "";
        if (_pos >= _text.Length) return TokenType.None;
        int start = _pos;
        char ch = _text[_pos++];
        var type = Classify(ch);
        switch (type)
        {
            case TokenType.None:
                _pos--;
                return TokenType.None;
            case TokenType.Newline:
            case TokenType.Delim:
                token = ch.ToString();
                return type;
            case TokenType.Op:
                token = ReadOp(ch);
                return type;
            case TokenType.DQuote:
            case TokenType.SQuote:
                return ReadQuoted(ch, type, out token);
        }
        while (_pos < _text.Length && Classify(_text[_pos]) == type) _pos++;
        token = _text.Substring(start, _pos - start);
        return type;
    }

    private string ReadOp(char ch)
    {
        int start = _pos - 1;
        switch (ch)
        {
            case '-' when Peek() == '>':
                _pos++;
                break;
            case '-' or '+' or '|' or '&' or '>' or '<':
                if (Peek() == ch)
                {
                    _pos++;
                    if (ch is '>' or '<' && Peek() == '=') _pos++;
                }
                else if (Peek() == '=') _pos++;
                break;
            case '!' or '=':
                if (Peek() == '=') _pos++;
                break;
        }
        return _text.Substring(start, _pos - start);
    }

    private TokenType ReadQuoted(char quote, TokenType type, out string token)
    {
        var sb = new System.Text.StringBuilder();
        while (true)
        {
            int last = 0;
            while (true)
            {
                if (_pos >= _text.Length)
                {
                    // Unterminated string: libtraceevent would read past the end; we stop here.
                    token = sb.ToString();
                    return TokenType.None;
                }
                char c = _text[_pos++];
                if (c == quote && last != '\\') break;
                sb.Append(c);
                // "\\" cancels itself so that "\\" followed by a quote ends the string.
                last = c == '\\' && last == '\\' ? 0 : c;
            }
            if (type != TokenType.DQuote) break;
            int save = _pos;
            while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\n' or '\r' or '\v' or '\f') _pos++;
            if (_pos < _text.Length && _text[_pos] == '"')
            {
                _pos++;
                continue;
            }
            _pos = save;
            break;
        }
        token = sb.ToString();
        return type;
    }

    /// <summary>Next token, skipping blanks but not newlines (libtraceevent read_token).</summary>
    public TokenType Read(out string token)
    {
        TokenType t;
        do t = ReadRaw(out token); while (t == TokenType.Space);
        return t;
    }

    /// <summary>Next token, skipping blanks and newlines (libtraceevent read_token_item).</summary>
    public TokenType ReadItem(out string token)
    {
        TokenType t;
        do t = ReadRaw(out token); while (t is TokenType.Space or TokenType.Newline);
        return t;
    }

    /// <summary>Reads a token (newlines not skipped) and checks its class and text.</summary>
    public bool Expect(TokenType type, string text) => Read(out var t) == type && t == text;

    /// <summary>Reads a token (newlines skipped) and checks its class and text.</summary>
    public bool ExpectItem(TokenType type, string text) => ReadItem(out var t) == type && t == text;

    /// <summary>Moves the position (used to rewind after a look-ahead).</summary>
    public void Seek(int pos) => _pos = pos;
}
