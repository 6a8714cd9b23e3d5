"""Boilerplate line rules: each rule on real-looking chrome it must remove and article text it must keep;
the rule file; false positives on real gold text; hostile input; the stage's invariants."""
import re
import time
from importlib import resources

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import clean_text
from cleaner.config import Config
from cleaner.document import Document
from cleaner.stages.clean_lines import CleanLinesStage
from cleaner.stages.clean_lines.disclaimer import DisclaimerRule
from cleaner.stages.clean_lines.images import ImagePlaceholderRule
from cleaner.stages.clean_lines.navigation import TOKEN_SEPARATORS, NavigationRule, menu_items
from cleaner.stages.clean_lines.related import FULL_STOP, RelatedBlockRule
from cleaner.stages.clean_lines.repeated import RepeatedLineRule
from cleaner.stages.clean_lines.rulefile import RuleFileError, load_rules
from cleaner.stages.clean_lines.table import TableMarkupRule

CONFIG = Config()
ARTICLE = [
    "7月3日，大英县召开紧密型县域医疗卫生共同体建设工作动员会，县委常委、宣传部部长翟宁凤出席会议。",
    "翟宁凤指出，推进医共体建设是我县进一步深化医药卫生体制改革的重要举措，是事关人民健康福祉的民生工程。",
    "会上，县卫生健康局相关负责同志深入解读了实施方案，各医院就医共体建设工作作表态发言。",
]


def apply(rule_class, lines, config=CONFIG, doc=None):
    doc = doc or Document(text="\n".join(lines))
    return rule_class(config).apply(list(lines), doc), doc


def removed_by(rule_class, lines, **kw):
    out, doc = apply(rule_class, lines, **kw)
    return [line for line in lines if line not in out], doc


# --- navigation and chrome -------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "你的位置: 首页 > 实时讯息 >",
    "当前位置：首页>>CN>>会议>>中国经济学年会秘书处",
    "搜狐首页 > 搜狐财经 > 国际财经_搜狐财经",
    "网易首页--> 主频道--> 消费真相--> 耐克",
    "[打印本頁]",
    "【发表评论】【关闭窗口】",
    "发送给朋友  发表评论  打印本文",
    "字体：大 中 小",
    "分享到：微信 微博 QQ空间",
    "阅读：1234",
    "0次浏览",
    "返回顶部",
    "上一篇 下一篇",
    "雅虎中国 - 体育 - 娱乐 - 房产 - 汽车 - 电邮",
    "首页 | 组织机构 | 工作动态 | 纲要规划 | 国际项目",
    "最新军情 军事评论 军事书籍 军事装备 史海钩沉 军事技术 各国军队 纪实传记",
    "Powered by Discuz! X3.3",
    "游客 欢迎你！",
    "（ 责任编辑：魏喆 ）",
    "来源：新闻晨报",
    "类别:健康 发布时间:2024-04-29 10:25:00 来源:大众网",
    "發送GP到6666 隨時隨地查行情",
    "標題:",
    "上一篇：关于开展2024年度医疗质量安全检查工作的通知",
    "扫一扫在手机打开当前页",
    "已有0人参与",
    "长按二维码关注我们",
    "发布时间：2021-01-29  来源：县卫健局  浏览次数：123",
    "Comments",
    "12 comments",
    "(Reporting by Anna Berg and Tom Lind; editing by Sara Holm)",
    "Reading time: 4 minutes",
    "6 min read",
    "Lesezeit: 3 Min.",
    "Tempo de leitura: 2 minutos",
    "Like this story? Share it with a friend!",
    "Sign up for our weekly newsletter",
    "Abonniere unseren Newsletter",
    "Suscríbete a nuestro newsletter",
    "Czytaj też: Nowy most otwarty po dwóch latach budowy",
    "Lesen Sie auch: Der Bürgermeister tritt zurück",
    "ANZEIGE - Jetzt Angebote vergleichen:",
    "Reklama",
    "*Werbung. Dieser Beitrag enthält Werbung für eine Bäckerei.",
    "Bild: Agentur/Hans Maier",
    "Topics: bridges, city council, budget",
    "Etiquetas: elecciones, congreso",
    "Loading Comments...",
])
def test_navigation_removes_chrome(line):
    gone, doc = removed_by(NavigationRule, [ARTICLE[0], line, ARTICLE[1]])
    assert gone == [line]
    assert doc.removed and doc.removed[0][0].startswith("boilerplate:") and doc.removed[0][1] == line


@pytest.mark.parametrize("line", [
    "首页设计是这次改版的重点，用户反馈良好。",
    "登录系统后，用户可以查看个人的社保缴费记录。",
    "记者：你们的农机大市场场址在哪？",
    "海报新闻记者 孙淼 通讯员 王家增 张海涛 于鹏 济南报道",
    "会上，",
    "中",
    "分享经济正在改变城市交通的格局。",
    "大英县召开紧密型县域医疗卫生共同体建设工作动员会",
    "Xiang nian ni xiang nian ni wo hui shou qi wo de nan guo",
    "이 사안이 보다 명백하게 무엇이 진실인가가 밝혀져야 하는 이유가 여기에 있다 적당히 누가 피해자이고",
    "地  点：南开大学伯苓楼一楼报告厅",
    "2003年5月",
    "詞／曲／編曲：陳珊妮",
    "所在位置：北京市朝阳区建国路88号",
    "<br /><b>應該</b>",
    "Comments from readers poured in after the mayor's speech, most of them in favour of the plan.",
    "Reporting by the local paper showed that the budget had been wrong for years.",
    "The newsletter lost a third of its subscribers after the price rise.",
    "Follow Radio Nord on Facebook, Twitter and Instagram.",  # some golds keep such a line
    "Auch interessant ist, dass der Rat einstimmig entschied.",
    "Werbung stört beim Lesen, sagen zwei Drittel der Befragten.",
    "Foto: Agencia Sur",  # a Spanish caption credit some golds keep; German Bild: goes
    "Topics of the meeting were the budget, the bridge and the new school.",
])
def test_navigation_keeps_article_lines(line):
    gone, _ = removed_by(NavigationRule, [ARTICLE[0], line, ARTICLE[1]])
    assert gone == []


def test_post_header_label_takes_its_value_but_a_title_label_does_not():
    lines = ["標題:", "“千县计劃”能力提升工作专题會在成功召开", "作者:", "admin", "時間:", "2025-6-16 19:16",
             ARTICLE[0]]
    out, _ = apply(NavigationRule, lines)
    assert out == ["“千县计劃”能力提升工作专题會在成功召开", ARTICLE[0]]


def test_post_header_label_keeps_a_sentence_after_it():
    lines = ["作者:", "这篇文章写于我在西藏支教的第三年，记录了孩子们的变化。"]
    out, _ = apply(NavigationRule, lines)
    assert out == lines[1:]


def test_short_bullet_items_together_are_a_menu_but_one_alone_is_not():
    out, _ = apply(NavigationRule, ["• 我的订阅", "  • 健康", ARTICLE[0]])
    assert out == [ARTICLE[0]]
    out, _ = apply(NavigationRule, [ARTICLE[0], "• 加强组织领导", ARTICLE[1]])
    assert out == [ARTICLE[0], "• 加强组织领导", ARTICLE[1]]
    code_comment = [ARTICLE[0], "* 用递归实现", "* 没有调试信息", "- 肝胆", "- 消化"]
    assert apply(NavigationRule, code_comment)[0] == code_comment


def test_forum_footer_names_the_site_and_the_site_name_line_goes():
    lines = ["台北共享工作空間交流論壇", ARTICLE[0], "歡迎光臨 台北共享工作空間交流論壇 (http://bbs.tdudu.com.tw/)"]
    out, doc = apply(NavigationRule, lines)
    assert out == [ARTICLE[0]]
    assert {rule for rule, _ in doc.removed} == {"boilerplate:forum"}


# --- related blocks, listing runs, snippets ------------------------------------------------------

RELATED_BULLETS = [
    "相关文章",
    "• 开滦医疗健康集团举行 2025年度新员工入职典礼暨岗前培训 【来源:河北省国有资产监督管理委员会】开滦医疗健康集团举行",
    "• 叫停!这项手术不得用于治疗阿尔茨海默病 根据国家卫生健康委8日晚间发布的通知，今后该手术将不得应用于",
    "• 永州市家庭健康服务中心开展“童享中医，健康同行” 趣味活动",
]


def test_related_heading_takes_its_list():
    out, doc = apply(RelatedBlockRule, ARTICLE + RELATED_BULLETS)
    assert out == ARTICLE
    assert [r for r, _ in doc.removed] == ["boilerplate:related"] * len(RELATED_BULLETS)


def test_related_block_ends_at_article_text():
    lines = ARTICLE[:1] + ["相关阅读", "• 山东省发布乡村医疗卫生服务能力提质提效三年行动计划"] + ARTICLE[1:]
    out, _ = apply(RelatedBlockRule, lines)
    assert out == ARTICLE


def test_more_about_heading_with_headline_snippet_date_items():
    block = ["更多关于健康的资讯:",
             "东城中医医院中医内科专家提醒:脑梗和心梗有区别,看懂预警,及时就医能救命",
             "气温骤降,“阳气渐收,阴气渐长”,人体气血运行也随之减慢,这个时期成为了脑梗和心梗的高发期",
             "2025-11-05 14:28:00",
             "带你体验雷山苗年长桌宴,这波美食暴击我先吃为敬!",
             "2025年11月5日,苗年启幕的雷山县城万人空巷,苗年长桌宴以最沸腾的方式拉开序幕。",
             "2025-11-06 04:55:00"]
    out, _ = apply(RelatedBlockRule, ARTICLE + block)
    assert out == ARTICLE


ENGLISH = ["The council met on Tuesday and approved the budget for next year after a long debate.",
           "Most of the money will go to schools and to repairing the bridge on the ring road."]


@pytest.mark.parametrize("heading", ["You Might Also Like", "You may also like...", "More Must-Reads From The Herald",
                                     "Most read in world news", "DON'T MISS", "Related Articles", "We think you’ll like"])
def test_english_related_heading_takes_its_headlines_but_not_the_sentence_after(heading):
    items = ["Mayor wins a second term", "Storm closes schools across the county", "Ten tips for a cheaper winter..."]
    for after in ("The mayor said the vote was fair.", "मेयर ने कहा कि मतदान निष्पक्ष था।"):  # a full stop of any script
        out, _ = apply(RelatedBlockRule, [*ENGLISH, heading, *items, after])
        assert out == [*ENGLISH, after]


def test_a_short_line_ends_a_sentence_with_a_full_stop_of_any_script_but_a_headline_may_ask_a_question():
    for sentence in ("The mayor won.", "市长连任。", "मेयर जीते।", "میئر جیت گئے۔", "ከንቲባው አሸነፉ።", "မြို့တော်ဝန် နိုင်သည်။"):
        assert FULL_STOP.search(sentence), sentence
    for headline in ("Who won the vote?", "من فاز بالانتخابات؟", "ማን አሸነፈ፧", "Mayor wins...", "Mayor wins"):
        assert not FULL_STOP.search(headline), headline


@pytest.mark.parametrize("after", [
    "Die Opposition kündigte an, gegen den Beschluss zu klagen.",
    # a sentence that ends inside German closing quotes ends the list too
    "„Wir werden gegen den Beschluss klagen“, sagte die Opposition am Abend. „Das ist nicht das Ende.“",
])
def test_read_also_heading_in_other_languages_takes_its_headlines(after):
    lines = ["Der Rat hat am Dienstag den Haushalt für das nächste Jahr nach langer Debatte beschlossen.",
             "Auch interessant:", "Neue Brücke eröffnet", "Stadtfest abgesagt", after]
    out, _ = apply(RelatedBlockRule, lines)
    assert out == [lines[0], after]


@pytest.mark.parametrize("heading", ["Read more:", "See also", "Further reading"])
def test_english_section_headings_that_articles_use_stay(heading):
    lines = [*ENGLISH, heading, "Mayor wins a second term", "Storm closes schools across the county"]
    assert apply(RelatedBlockRule, lines)[0] == lines


def test_headless_run_of_dated_items_goes_with_the_snippet_before_it():
    run = ["...学校卫生监督检查。县卫生健康局印发《莘县“十四五”医疗服务体系规划》,提出县乡村网格化卫生健康监督体系建设要求,",
           "2024-03-29 11:42:00",
           "“繁森药箱”服务群众零距离",
           "本文转自:聊城日报莘县“繁森药箱”服务群众零距离本报讯 (郝凯) 为弘扬孔繁森精神,莘县从二级医院抽调48名",
           "2023-11-06 17:16:00",
           "情系夕阳红 托起健康梦",
           "本文转自:聊城日报打通群众就医转诊堵点莘县实现城乡医疗资源互联互通本报讯 “现在转诊很方便。”",
           "2023-07-14 10:53:00",
           "建行莘县支行温情服务显担当,6400元“错爱”现金完璧归赵",
           "...3月6日,一面承载着深深感激之情的锦旗被送至建设银行莘县支行营业室,锦旗上绣着",
           "2025-04-01 10:03:00"]
    out, _ = apply(RelatedBlockRule, ARTICLE + run)
    assert out == ARTICLE


def test_title_and_date_of_the_article_itself_stay():
    """A headline over its own date is not a list item (only a long snippet cut mid-sentence is)."""
    lines = ["著名戏曲导演沈斌去世 享年74岁", "2022-02-13", ARTICLE[0], ARTICLE[1]]
    out, _ = apply(RelatedBlockRule, lines)
    assert out == lines


def test_posts_with_dates_that_end_their_sentences_stay():
    lines = ["2024-05-01 09:00", "今天的会议讨论了明年的预算安排，大家意见比较一致。",
             "2024-05-02 09:00", "第二天的会议转向人事问题，讨论持续到了中午。", ARTICLE[0]]
    out, _ = apply(RelatedBlockRule, lines)
    assert lines[1] in out and lines[3] in out and ARTICLE[0] in out


def test_rows_of_dated_links_are_a_list():
    rows = ["2020-04-09 admin 提高自身业务水平", "2020-03-29 admin 不远处伫立挺拔的橄榄绿身影",
            "第六届中国经济学年会胜利闭幕(2006-12-19)[836]", "李玲：发展的目的是让人们生活得更好(2006-12-16)[355]"]
    out, _ = apply(RelatedBlockRule, ARTICLE + rows)
    assert out == ARTICLE


def test_a_dated_timeline_in_an_article_stays():
    timeline = ["2019-05-01 项目立项，完成可行性研究。", "2020-03-15 主体工程开工建设。", "2021-10-01 工程竣工并投入使用。"]
    two_rows = ["2020-04-09 admin 提高自身业务水平", "2020-03-29 admin 不远处伫立挺拔的橄榄绿身影"]
    for lines in (ARTICLE + timeline, ARTICLE + two_rows):
        assert apply(RelatedBlockRule, lines)[0] == lines


TEASERS = ["...区老年人的健康保障工作,为多病共存老年人提供整体化医疗服务。高超医术解烦忧“手术非常成功。”7月10日,莘县",
           "县医院开展义诊活动",
           "...及智慧医疗理念,提升社区老年人的生活质量,联合社区医院特举办“智慧健康进社区”义诊活动,对于"]


def test_teasers_with_ascii_dots_go_but_chinese_ellipsis_stays():
    quote = "……他停了很久，才接着说下去：“那年冬天特别冷。”"
    out, doc = apply(RelatedBlockRule, [ARTICLE[0], *TEASERS, quote, ARTICLE[1]])
    assert out == [ARTICLE[0], TEASERS[1], quote, ARTICLE[1]]
    assert doc.removed == [("boilerplate:snippet", TEASERS[0]), ("boilerplate:snippet", TEASERS[2])]


@pytest.mark.parametrize("quote", [
    "...区老年人的健康保障工作,为多病共存老年人提供整体化医疗服务...",
    "... the harbour board, which had run the wharves since the war, simply stopped dredging ... Within two"
    " years the larger ships went elsewhere and the town lost its freight trade",
])
def test_one_quotation_with_omissions_between_paragraphs_or_references_stays(quote):
    """A line opening (and closing) with "..." alone, away from other teasers and dates, is a quotation."""
    references = ["^ Hart, Ann (2004). A Port and its Town. Harbour Press. p. 12.",
                  "^ \"Freight figures 1950-1990\". Port Statistics Office. Retrieved 3 May 2011."]
    for lines in ([ARTICLE[0], quote, ARTICLE[1]], [references[0], quote, references[1]]):
        assert apply(RelatedBlockRule, lines)[0] == lines


# --- disclaimers, copyright, ICP -------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "以上内容为资讯信息快照,由td.fyun.cc爬虫进行采集并收录,本站未对信息做任何修改,信息内容不代表本站立场。",
    "快照生成时间:2024-04-29 11:45:06",
    "本站信息快照查询为非营利公共服务,如有侵权请联系我们进行删除。",
    "信息原文地址:",
    "特別聲明:以上內容(如有圖片或視頻亦包括在內)為自媒體平臺“網易號”用戶上傳并發布,本平臺僅提供信息存儲服務。",
    "Notice: The content above (including the pictures and videos if any) is uploaded and posted by a user "
    "of NetEase Hao, which is a social media platform and only provides information storage services.",
    "Copyright © 1996 - 2005 SINA Inc. All Rights Reserved 版权所有 新浪网",
    "声明：该文观点仅代表作者本人，搜狐号系信息发布平台，搜狐仅提供信息存储空间服务。",
    "京ICP证000009号",
    "沪公网安备 31010602000000号",
    "原创版权禁止商业转载 授权>>",
    "本文为我原创本文禁止转载或摘编",
])
def test_disclaimer_removes_notices(line):
    gone, doc = removed_by(DisclaimerRule, ARTICLE + [line])
    assert gone == [line]
    assert doc.removed == [("boilerplate:disclaimer", line)]


@pytest.mark.parametrize("line", [
    "美国唱片工会表示:“播客在使用其它音乐时,一定要获得版权所有者或制作人的许可。”",
    "这篇报道发表后被多家媒体转载，引发了公众对乡村医疗的关注。",
    "该公司起诉称，被告未经授权使用其商标，要求赔偿经济损失五十万元。",
])
def test_disclaimer_keeps_article_text_about_copyright(line):
    gone, _ = removed_by(DisclaimerRule, ARTICLE + [line])
    assert gone == []


def test_legal_notice_heading_at_the_foot_takes_the_rest():
    notice = ["反侵权公告：", "根据《中华人民共和国著作权法》等法律法规，未经书面许可，擅自转载本报社作品的，将涉嫌侵犯著作权人合法权益。",
              "陈律师（法律顾问）0432-62099222"]
    out, _ = apply(DisclaimerRule, ARTICLE * 2 + notice)
    assert out == ARTICLE * 2


def test_legal_notice_heading_near_the_top_does_not_take_the_article():
    lines = ["免责声明", *ARTICLE, *ARTICLE]
    out, _ = apply(DisclaimerRule, lines)
    assert out == lines


# --- image placeholders ----------------------------------------------------------------------------

def test_image_placeholders_go_and_text_around_them_stays():
    lines = ["![]()", "(资料图片仅供参考)", "会议现场（图片来源：网络）气氛热烈，代表们踊跃发言。", "![签约仪式](https://img.example.com/a.jpg)"]
    out, doc = apply(ImagePlaceholderRule, lines)
    assert out == ["会议现场气氛热烈，代表们踊跃发言。"]
    assert [r for r, _ in doc.removed] == ["boilerplate:image"] * 4


@pytest.mark.parametrize("line", [
    "据悉，此前国家卫生健康委印发《“千县工程”县医院综合能力提升工作方案(2021-2025年)》。",
    "（图为签约现场）",
    "[1] 王明. 中国乡村医疗史. 北京: 人民出版社, 2010.",
])
def test_image_rule_keeps_brackets_that_are_text(line):
    out, doc = apply(ImagePlaceholderRule, [line])
    assert out == [line] and doc.removed == []


# --- repeated lines --------------------------------------------------------------------------------

def test_title_repeated_where_images_stood_keeps_the_first():
    title = "“千县工程”再发力!山大二院助力乡村医疗服务提质增效三年行动在莘县拉开帷幕"
    lines = [title, ARTICLE[0], title, ARTICLE[1], title, ARTICLE[2]]
    out, doc = apply(RepeatedLineRule, lines)
    assert out == [title, *ARTICLE]
    assert doc.removed == [("boilerplate:repeated", title)] * 2


def test_title_from_metadata_counts_even_in_the_other_script():
    doc = Document(meta={"title": "大英县召开医共体建设工作动员会"})
    out, _ = apply(RepeatedLineRule, [ARTICLE[0], "大英縣召開醫共體建設工作動員會", ARTICLE[1], "大英县召开医共体建设工作动员会"],
                   doc=doc)
    assert out == [ARTICLE[0], "大英縣召開醫共體建設工作動員會", ARTICLE[1]]


def test_with_a_metadata_title_a_repeated_first_line_is_not_taken_for_the_title():
    """A table of contents opens the text and each entry comes back as its section's heading."""
    doc = Document(meta={"title": "Write comprehensively about your core topics"})
    lines = ["Assess your content", "Rewrite with depth in mind", "Content depth is a rating of how fully a topic is covered.",
             "Assess your content", "Start by listing your core topics and the questions readers ask about them."]
    assert apply(RepeatedLineRule, lines, doc=doc)[0] == lines


def test_chorus_lines_without_final_punctuation_stay():
    chorus = "So remember when we're driving, driving in your car"
    lines = ["Driving", chorus, "And your arm felt nice wrapped round my shoulder tonight", chorus]
    assert apply(RepeatedLineRule, lines)[0] == lines


def test_repeated_paragraphs_and_short_lines_stay():
    """Real text repeats: a quoted post, a pull quote, a list under each plan, command output."""
    quote = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt."
    lines = [ARTICLE[0], "会上，", ARTICLE[1], "地  点：南开大学伯苓楼一楼报告厅", "会上，", "地  点：南开大学伯苓楼一楼报告厅",
             ARTICLE[1], quote, quote, "added 1 changesets with 1 changes to 1 files", "added 1 changesets with 1 changes to 1 files"]
    out, doc = apply(RepeatedLineRule, lines)
    assert out == lines and doc.removed == []


@pytest.mark.parametrize("line", [
    "… stick around. What you are about to read is critical information that could change your life.",
    "... ever since a government swept to power in 1984 and canceled handouts to farmers.",
])
def test_quotation_starting_with_dots_that_ends_its_sentence_stays(line):
    out, doc = apply(RelatedBlockRule, [ARTICLE[0], line, ARTICLE[1]])
    assert out == [ARTICLE[0], line, ARTICLE[1]] and doc.removed == []


def test_teaser_with_dots_at_both_ends_goes_beside_a_date():
    snippet = "...区老年人的健康保障工作,为多病共存老年人提供整体化医疗服务..."
    out, doc = apply(RelatedBlockRule, [ARTICLE[0], "情系夕阳红 托起健康梦", snippet, "2023-07-14 10:53:00", ARTICLE[1]])
    assert ("boilerplate:snippet", snippet) in doc.removed and snippet not in out


@pytest.mark.parametrize("line", [
    "The Supreme Court has handed movie studios a sweeping victory against copyright infringement online.",
    "This isn’t supposed to be a manifesto™© we just think it’s pretty cool to share what we’ve learned.",
    "Comments and public postings are copyrighted by their creators.",
])
def test_sentence_mentioning_copyright_stays(line):
    out, doc = apply(DisclaimerRule, [ARTICLE[0], line, ARTICLE[1]])
    assert out == [ARTICLE[0], line, ARTICLE[1]]


@pytest.mark.parametrize("line", [
    "© 2019 Example Press. All Rights Reserved.", "Copyright © 2015, Example, Inc.", "© Example Media",
    "Copyright 2012-2021 某某网 版权所有", "(c) 2020 Example",
])
def test_copyright_footer_goes(line):
    out, doc = apply(DisclaimerRule, [ARTICLE[0], line])
    assert out == [ARTICLE[0]]


@pytest.mark.parametrize("line", [
    "Content-Security-Policy-Report-Only-Header", "apt-get install -y python3-venv python3-pip-whl",
    "X-Frame-Options: SAMEORIGIN-ALLOW-FROM-TOP",
])
def test_hyphenated_words_are_not_menu_items(line):
    out, doc = apply(NavigationRule, [ARTICLE[0], line])
    assert out == [ARTICLE[0], line]


def test_menu_with_spaced_hyphens_goes():
    menu = "网站首页 - 新闻 - 体育 - 娱乐 - 财经 - 汽车 - 房产"
    out, doc = apply(NavigationRule, [ARTICLE[0], menu])
    assert out == [ARTICLE[0]] and doc.removed == [("boilerplate:menu", menu)]


# --- table markup ----------------------------------------------------------------------------------

def test_table_rows_become_their_cells():
    lines = ["|  |  |  | ", "|---|---|", "|  | 人生如戏。一夜之间，它可以让一个穷光蛋成为百万富翁。 |  | ",
             "| 4 | 5 | 6 | 7 | 8 | 9 | 10 |", "| 一 | 二 | 三 | 四 | 五 | 六 | 日 |", "| 首页 | 新闻 \\| 体育 |"]
    out, doc = apply(TableMarkupRule, lines)
    assert out == ["人生如戏。一夜之间，它可以让一个穷光蛋成为百万富翁。", "首页", "新闻 \\| 体育"]
    assert [t for _, t in doc.removed] == [lines[0], lines[1], "||||", lines[3], lines[4], "|||"]


def test_a_line_with_a_pipe_in_it_is_not_a_table():
    line = "太和夜话 | 十年“腹腔重担”，一朝卸下！61岁阿姨在太和医院重获生命轻盈"
    out, _ = apply(TableMarkupRule, [line])
    assert out == [line]


# --- the rule file ---------------------------------------------------------------------------------

def test_every_shipped_entry_has_a_reason_and_compiles():
    rules = load_rules()
    for family in rules.families.values():
        for pattern, why in family.entries:
            assert why.strip() and re.compile(pattern)


def test_rule_file_without_reasons_is_refused(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("[nav]\nmatch = 'token'\nentries = [ { re = '首页' } ]\n", "utf-8")
    with pytest.raises(RuleFileError, match="why"):
        load_rules(str(path))


def test_config_rule_file_replaces_the_shipped_one(tmp_path):
    path = tmp_path / "rules.toml"
    text = resources.files("cleaner").joinpath("data/boilerplate.toml").read_text("utf-8").replace(
        "{ re = '我的订阅|订阅|rss订阅|rss'", "{ re = '我的书架|我的订阅|订阅|rss订阅|rss'")
    path.write_text(text, "utf-8")
    line = "我的書架"
    assert apply(NavigationRule, [line, ARTICLE[0]])[0] == [line, ARTICLE[0]]
    assert apply(NavigationRule, [line, ARTICLE[0]], config=Config(boilerplate_rules=str(path)))[0] == [ARTICLE[0]]


# --- real gold text: the rules must leave it (almost) alone ----------------------------------------

def test_gold_article_text_is_almost_all_kept(realworld):
    stage = CleanLinesStage(CONFIG)
    gold_chars = removed_chars = 0
    removed = []
    for gold in sorted((realworld / "extraction").glob("*/gold.txt")):
        text = gold.read_text("utf-8")
        doc = Document(text=text)
        stage.process(doc)
        gold_chars += sum(len(line.strip()) for line in text.splitlines())
        for rule, piece in doc.removed:
            if rule.startswith("boilerplate:"):
                removed_chars += len(piece)
                removed.append(f"{gold.parent.name[:24]} {rule}: {piece[:60]}")
    assert gold_chars > 50_000
    assert removed_chars / gold_chars < 0.01, "\n".join(removed)


# --- hostile input ---------------------------------------------------------------------------------

def _fragments() -> list[str]:
    """Pieces of the patterns themselves, the input most likely to make a regex backtrack."""
    pieces = set()
    for family in load_rules().families.values():
        for pattern, _ in family.entries:
            pieces.update(re.findall(r"[^\\()\[\]{}?*+|^$.]{1,4}", pattern))
    return sorted(pieces) + ["2024-01-01 ", "12:00", "...", "(", ")", "（", "）", "|", ">", "首页>", "!", "[]", "\\|"]


FRAGMENTS = _fragments()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6))
def test_no_family_backtracks_on_a_50kb_line(pieces):
    unit = "".join(pieces)
    line = (unit * (50_000 // len(unit) + 1))[:50_000]
    for family in load_rules().families.values():
        for candidate in (line, line + "。", "欢迎光临" + line):
            start = time.perf_counter()
            family.matches(candidate)
            assert time.perf_counter() - start < 0.5, (family.name, unit)


@pytest.mark.parametrize("char", ["a", "1", " ", "。", "-", "|", ".", "(", "首", "•"])
def test_stage_is_fast_on_long_runs_of_one_character(char):
    doc = Document(text=(char * 50_000 + "\n") * 2)
    start = time.perf_counter()
    CleanLinesStage(CONFIG).process(doc)
    assert time.perf_counter() - start < 2.0


# --- invariants of the whole stage -----------------------------------------------------------------

LINE_POOL = ARTICLE + RELATED_BULLETS + [
    "• 我的订阅", "• 健康", "相关文章", "最新", "2024-03-29 11:42:00", "...学校卫生监督检查,提出县乡村网格化卫生健康监督体系",
    "“千县工程”再发力!山大二院助力乡村医疗服务", "![]()", "(资料图片仅供参考)", "你的位置: 首页 > 实时讯息 >",
    "作者:", "admin", "標題:", "Copyright © 2005 SINA", "免责声明", "反侵权公告：", "|  | 正文内容。 |  |", "|---|",
    "會上,", "會上", "欢迎光临 某论坛 (http://bbs.example.com/)", "某论坛", "", "   ",
    "2020-04-09 admin 提高自身业务水平", "标题(2006-12-19)[836]", "上一篇：关于开展检查工作的通知", "• 旅游",
    "首页 | 新闻 | 体育 | 娱乐", "最新军情 军事评论 军事书籍 军事装备 史海钩沉 军事技术 各国军队 纪实传记",
]
lines_strategy = st.lists(st.one_of(st.sampled_from(LINE_POOL), st.text(max_size=30)), max_size=25)


def is_subsequence(small: str, big: str) -> bool:
    chars = iter(big)
    return all(c in chars for c in small)


@settings(max_examples=150, deadline=None)
@given(lines_strategy)
def test_clean_text_is_idempotent(lines):
    config = Config(script="keep", dedup=False)
    once = clean_text("\n".join(lines), config=config)
    twice = clean_text(once.text, config=config)
    assert twice.text == once.text


@settings(max_examples=150, deadline=None)
@given(lines_strategy)
def test_stage_only_removes(lines):
    """Output never longer than input and adds no text: with white space removed, the output is the
    input with pieces taken out (whole lines, spans such as placeholders, joints of rejoined lines)."""
    text = "\n".join(lines)
    doc = Document(text=text)
    CleanLinesStage(CONFIG).process(doc)
    assert len(doc.text) <= len(text)
    assert is_subsequence(re.sub(r"\s+", "", doc.text), re.sub(r"\s+", "", text))
    untouched = not any(rule.startswith(("rejoin", "pinyin", "spam", "boilerplate:image", "boilerplate:table",
                                         "characters")) for rule, _ in doc.removed)
    if untouched:  # only whole lines went: every output line is an input line
        assert set(doc.text.split("\n")) - {""} <= {line.strip() for line in text.splitlines()}


def test_line_keys_survive_the_cache_filling_up_in_the_middle_of_a_call(monkeypatch):
    from cleaner.stages.clean_lines import rule

    monkeypatch.setattr(rule, "_CACHE_CHARS", 10)
    rule.line_keys(["首页"])  # cached
    keys = rule.line_keys(["首页", "新聞中心", "關於我們"])  # the cache is emptied while this call fills it
    assert keys == ["首页", "新闻中心", "关于我们"]


@given(st.text(alphabet="ab-| /\\·•>»›<«【】[]首页 \t", max_size=30))
def test_menu_items_are_the_pieces_between_separators(text):
    assert list(menu_items(text)) == [piece for piece in TOKEN_SEPARATORS.split(text) if piece]
