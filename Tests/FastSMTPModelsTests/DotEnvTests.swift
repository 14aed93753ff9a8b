import FastSMTPModels
import Testing

@Suite("DotEnv parser")
struct DotEnvTests {
    @Test(
        "single-line cases",
        arguments: [
            ("KEY=value", "value"),
            ("KEY = value ", "value"),
            ("  KEY=  spaced out  ", "spaced out"),
            ("export KEY=exported", "exported"),
            ("export   KEY = exported", "exported"),
            ("KEY=", ""),
            ("KEY=value # a comment", "value"),
            ("KEY=value\t# tab comment", "value"),
            ("KEY=a#b", "a#b"),
            ("KEY=http://x/#frag", "http://x/#frag"),
            ("KEY=a=b=c", "a=b=c"),
            ("KEY='literal \\n $HOME # not a comment'", "literal \\n $HOME # not a comment"),
            ("KEY='single' # comment", "single"),
            ("KEY=\"line1\\nline2\"", "line1\nline2"),
            ("KEY=\"say \\\"hi\\\"\"", "say \"hi\""),
            ("KEY=\"back\\\\slash\"", "back\\slash"),
            ("KEY=\"tab\\there\"", "tab\there"),
            ("KEY=\"keep \\x as is\"", "keep \\x as is"),
            ("KEY=\"# not a comment\"  # comment", "# not a comment"),
            ("KEY=\"  inner spaces kept  \"", "  inner spaces kept  "),
            ("KEY=''", ""),
            ("KEY=\"\"", ""),
        ])
    func singleLine(line: String, expected: String) {
        #expect(DotEnv.parse(line) == ["KEY": expected])
    }

    @Test(
        "comments, blank lines and malformed lines are skipped",
        arguments: [
            "# KEY=commented",
            "   # indented comment",
            "",
            "   ",
            "no equals sign here",
            "=value without key",
            "KEY=\"unterminated",
            "KEY='unterminated",
            "KEY=\"closed\" trailing junk",
            "KEY='closed'junk",
            "export",
            "$KEY=1",
        ])
    func skipped(line: String) {
        #expect(DotEnv.parse(line) == [:])
    }

    @Test("a whole file, CRLF endings, later keys win, malformed lines do not swallow the next")
    func wholeFile() {
        let text =
            "# header\r\nA=1\r\n\r\nbroken line\r\nB=\"two\"\r\nC=\"oops\r\nD='four'\r\nA=override\r\nexport E = five # note\r\n"
        #expect(DotEnv.parse(text) == ["A": "override", "B": "two", "D": "four", "E": "five"])
    }

    @Test("quoted values may span lines")
    func multiLine() {
        let text = "CERT=\"-----BEGIN-----\nabc\n-----END-----\"\nNEXT=1\nLIT='a\nb'\n"
        #expect(DotEnv.parse(text) == ["CERT": "-----BEGIN-----\nabc\n-----END-----", "NEXT": "1", "LIT": "a\nb"])
    }

    @Test("lone CR line endings and keys with dots and dashes")
    func oddities() {
        #expect(DotEnv.parse("A=1\rB=2\r") == ["A": "1", "B": "2"])
        #expect(DotEnv.parse("my.key-1=x\nlower_case=y") == ["my.key-1": "x", "lower_case": "y"])
        #expect(DotEnv.parse("export=plain") == ["export": "plain"])
    }

    @Test("unicode values survive")
    func unicode() {
        #expect(DotEnv.parse("NAME=Grüße 🚀\nQ=\"日本\"") == ["NAME": "Grüße 🚀", "Q": "日本"])
    }
}
