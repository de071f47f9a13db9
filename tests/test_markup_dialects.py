"""Post text from the Markdown real Hugo and Jekyll sites write: shortcodes, Liquid, alerts, attribute lists,
reference links, headings, code, tables and raw HTML never reach a post, and the lead is the first paragraph of
prose."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_markup import bodies

from smmgen.content import dialects, markup
from smmgen.content.markup import first_paragraph, inline_text, prose_text

HUGO_POST = """\
## TL;DR

{{< figure src="/images/bridge.jpg" caption="The bridge at dusk > the old one" alt="A bridge" >}}

The council opened the [new bridge]({{< ref "posts/bridge-plans.md" >}}) on Monday, a year after
[the vote]({{< relref "/news/vote" >}}). {{% param canonical_url %}}

{{< highlight go "linenos=table,hl_lines=2" >}}
func main() {
    fmt.Println("{{ not text }}")
}
{{< /highlight >}}

{{% note %}}
Traffic is **closed** until Friday.
{{% /note %}}

{{< tabs >}}{{< tab "Go" >}}go run .{{< /tab >}}{{< /tabs >}}

{{< youtube id="w7Ft2ymGmfc" title="Opening" />}}

{{</* figure src="shown-as-text.png" */>}}

![The deck](deck.jpg){style="margin: auto"}

## Costs {#costs .wide}

It cost 40 million, {{< sidenote >}}before overruns{{< /sidenote >}} the mayor said.
"""

JEKYLL_POST = """\
---
layout: post
---
# About the Series

This is part three of [our series][series] on the [harbour]. See the [original post].
{: .lead}

{% highlight ruby linenos %}
puts "{{ page.title }}"
{% endhighlight %}

{% raw %}
Templates write {{ page.title }} where the title goes.
{% endraw %}

{% include newsletter.html campaign="harbour" %}

Published on {{ page.date | date: "%b %d" }} by {{ site.author }}.

{% comment %}
Not for readers.
{% endcomment %}

> [!WARNING]
> The ferry timetable changes on Sunday.

{::comment}
kramdown comment
{:/comment}

| Route | Ferries |
|-------|---------|
| North | 12      |

```python
print("code")
```

~~~
more code
~~~

    indented code

<div class="callout">
Raw HTML block
</div>

<!-- a comment -->

[series]: https://example.com/series "The series"
[harbour]: https://example.com/harbour
[original post]: <https://example.com/original post>
"""


def test_a_hugo_post_keeps_only_its_prose():
    text = prose_text(HUGO_POST)
    assert text == ("The council opened the new bridge on Monday, a year after\nthe vote.\n\n"
                    "Traffic is closed until Friday.\n\n"
                    "go run .\n\n"
                    "It cost 40 million, before overruns the mayor said.")
    assert first_paragraph(text).startswith("The council opened")


def test_a_jekyll_post_keeps_only_its_prose():
    text = prose_text(JEKYLL_POST.split("---\n", 2)[2])
    assert text == ("This is part three of our series on the harbour. See the original post.\n\n"
                    "Templates write where the title goes.\n\n"
                    "Published on by .\n\n"
                    "The ferry timetable changes on Sunday.")
    assert first_paragraph(text).startswith("This is part three")


def test_a_heading_first_is_never_the_lead():
    assert first_paragraph(prose_text("## TL;DR\n\nThe harbour reopens on Monday.\n")) == \
        "The harbour reopens on Monday."
    assert first_paragraph(prose_text("About the Series\n================\n\nPart one.\n")) == "Part one."


def test_alert_markers_go_and_their_text_stays():
    for kind in ("NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION", "note"):
        assert prose_text(f"> [!{kind}]\n> Keep this.\n") == "Keep this."


def test_attribute_lists_of_every_dialect_go():
    for source in ("Para {: .note}", "Para\n{: .note}", "Para {:.note #x}", "Para {#id .class key=\"v\"}",
                   "Para {style=\"margin: auto\"}", "Para{.wide}", "## Para {#id}", "Para {: data-x='y'}"):
        assert inline_text(source) == "Para", source


def test_an_attribute_list_running_on_to_the_next_line_goes():
    # www.ruby-lang.org's news posts: an image with its attribute list broken over two lines.
    source = '[![RHG](https://example.org/cover.gif){:\n.icon width="70" height="88"}][cover] A book by Aoki-san.\n'
    assert prose_text(source + "\n[cover]: https://example.org/\n") == "A book by Aoki-san."
    assert prose_text("One {: .a\n\nTwo}") == "One {: .a\n\nTwo}"      # a blank line ends a paragraph


def test_a_reference_link_whose_text_runs_on_to_the_next_line_is_its_text():
    source = "More on [the RubyConf\nsite][1] soon.\n\n[1]: http://www.rubycentral.org/conference\n"
    assert " ".join(prose_text(source).split()) == "More on the RubyConf site soon."
    assert "][" in prose_text("A [b\n\nc][1] d.\n\n[1]: https://e.org/\n")      # not across paragraphs
    assert prose_text("Released ([[ruby-talk:367769]][1]).\n\n[1]: https://e.org/\n") == \
        "Released ([ruby-talk:367769])."


def test_a_kramdown_table_of_contents_is_no_text():
    assert prose_text("* TOC\n{:toc}\n\nThe text.\n") == "The text."
    assert prose_text("1. Contents\n{:toc}\n\nThe text.\n") == "The text."


def test_reference_links_read_as_their_text():
    assert prose_text("See [the report][r] and [this][] and [r].\n\n[r]: /r\n[this]: </a b>\n") == \
        "See the report and this and r."
    assert prose_text("Only a definition.\n\n[original post]: <https://example.com/a b>\n") == \
        "Only a definition."
    assert prose_text("An image ![chart][c] here.\n\n[c]: c.png\n") == "An image here."


def test_footnotes_and_links_are_untouched():
    assert prose_text("A claim[^1] and [a link](https://example.com).\n\n[^1]: Source.\n") == \
        "A claim and a link."


def test_shortcode_arguments_may_hold_the_closing_characters():
    assert inline_text('A {{< x caption="a >}} b" alt=`%}}` >}} B') == "A B"
    assert inline_text('A {{% x title="50% off" %}} B') == "A B"


def test_code_shortcodes_and_liquid_blocks_drop_their_content():
    assert prose_text("A\n\n{{< highlight go >}}\nx := 1\n{{< /highlight >}}\n\nB\n") == "A\n\nB"
    assert prose_text("A\n\n{{< code >}}{{< code >}}in{{< /code >}}out{{< /code >}}\n\nB\n") == "A\n\nB"
    assert prose_text("A\n\n{% highlight ruby %}\nx = 1\n{% endhighlight %}\n\nB\n") == "A\n\nB"
    assert prose_text("Text {{< rawhtml >}}<b>hidden</b>{{< /rawhtml >}} after.\nA\n{% highlight %}x{% endhighlight %}\nB") \
        == "Text after.\nA\n\nB"
    # Never closed: only the tag goes, the rest of the article stays.
    assert prose_text("{{< highlight go >}}\n\nThe text.\n") == "The text."


def test_titles_and_summaries_lose_template_syntax_but_keep_headings_marks():
    assert inline_text("Budget {{< param year >}} passes") == "Budget passes"
    assert inline_text("# A title") == "A title"
    assert inline_text("{{ page.title }}") == ""


@settings(max_examples=400, deadline=None)
@given(bodies(other=True))
def test_what_the_plain_path_takes_the_cleaning_leaves_alone(source):
    if markup._plain_paragraphs(source) is not None:
        assert dialects.clean(source) == source


def test_plain_markdown_is_unchanged_by_the_cleaning():
    source = "A *b* [c](https://example.com) `d`\n\n- e\n- f\n\n> g\n"
    assert dialects.clean(source) == source


# --- property: whatever mix of these an article has, no template syntax reaches the text ---------------------

PIECES = [
    "Plain sentence here.", "{{< figure src=\"a.png\" caption=\"x > y\" >}}", "{{< x />}}",
    "{{% note %}}Noted.{{% /note %}}", "{{< highlight go >}}\nx{{ y }}\n{{< /highlight >}}",
    "[link]({{< ref \"a.md\" >}})", "{{% param canonical_url %}}", "{% highlight ruby %}\n{{ x }}\n{% endhighlight %}",
    "{% raw %}{{ a }}{% endraw %}", "{% include x.html %}", "{{ site.title }}", "{% if a %}yes{% endif %}",
    "\n\n> [!NOTE]\n> quoted", "{: .note}", "{#id .c key=\"v\"}", "{style=\"margin: auto\"}", "## Heading {#h}",
    "```\n{{ code }}\n```", "~~~\n{% code %}\n~~~", "    {{ indented }}", "| {{ a }} | b |\n|---|---|\n| c | d |",
    "[ref]: <https://x.example/a b>", "[text][ref]", "<div>{{ raw }}</div>", "<!-- {{ c }} -->", "*em*",
    "{{</* shown */>}}", "{::comment}\n{{ x }}\n{:/comment}", "{{< a >}}{{< b >}}in{{< /b >}}{{< /a >}}",
]


# A block construct starts a line of its own (mid-line, "> [!NOTE]" is text, and the safety net flags it).
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=8), st.lists(st.sampled_from(["\n\n", "\n", " "]),
                                                                        min_size=8, max_size=8))
def test_no_mix_leaves_template_syntax(pieces, seps):
    source = "".join(p + s for p, s in zip(pieces, seps))
    for text in (prose_text(source), inline_text(source)):
        assert dialects.leftover(text) is None, (source, text)
        assert "{{" not in text and "{%" not in text and "}}" not in text and "%}" not in text
